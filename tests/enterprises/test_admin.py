"""The admin: every enterprises model is searchable and filterable; writes go through the services."""

import pytest
from django.urls import reverse

from enterprises.models import Enterprise, EnterpriseYearFigure

MODELS = [
    "enterprise",
    "industrialpark",
    "enterprisecontact",
    "enterpriseyearfigure",
    "chainleaderrole",
    "supplierlink",
]


@pytest.fixture
def admin_client_(client, demo_users):
    client.force_login(demo_users["admin"])
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_search_and_add_pages_open(admin_client_, make_enterprise, model):
    make_enterprise("吉利汽车晋中基地")
    url = reverse(f"admin:enterprises_{model}_changelist")
    assert admin_client_.get(url, {"q": "jl"}).status_code == 200
    assert admin_client_.get(reverse(f"admin:enterprises_{model}_add")).status_code == 200


def test_admin_search_finds_by_initials(admin_client_, make_enterprise):
    make_enterprise("吉利汽车晋中基地")
    make_enterprise("山西安泰集团股份有限公司")
    response = admin_client_.get(reverse("admin:enterprises_enterprise_changelist"), {"q": "jlqc"})
    assert [e.name for e in response.context["cl"].result_list] == ["吉利汽车晋中基地"]


def test_admin_create_goes_through_the_service(admin_client_, reference_data):
    response = admin_client_.post(
        reverse("admin:enterprises_enterprise_add"),
        {
            "name": "吉利汽车集团有限公司",
            "credit_code": "91330000747735638j",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "year_figures-TOTAL_FORMS": "0",
            "year_figures-INITIAL_FORMS": "0",
            "chain_roles-TOTAL_FORMS": "0",
            "chain_roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    e = Enterprise.objects.get()
    assert (e.normalized_name, e.name_initials, e.credit_code) == (
        "吉利汽车",
        "jlqcjtyxgs",
        "91330000747735638J",
    )


def test_admin_refuses_a_bad_credit_code(admin_client_, reference_data):
    response = admin_client_.post(
        reverse("admin:enterprises_enterprise_add"),
        {"name": "某公司", "credit_code": "91330000747735638K"},
    )
    assert response.status_code == 200
    assert "credit_code" in response.context["adminform"].form.errors
    assert not Enterprise.objects.exists()


def test_admin_year_figures_rederive_the_tier(admin_client_, make_enterprise):
    e = make_enterprise("梯队测试")
    response = admin_client_.post(
        reverse("admin:enterprises_enterpriseyearfigure_add"),
        {"enterprise": e.pk, "year": "2022", "output_value": "1000000"},
    )
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.tier == "100yi" and EnterpriseYearFigure.objects.count() == 1


def test_admin_delete_is_soft(admin_client_, make_enterprise):
    e = make_enterprise("删除测试")
    admin_client_.post(reverse("admin:enterprises_enterprise_delete", args=[e.pk]), {"post": "yes"})
    assert Enterprise.all_objects.get(pk=e.pk).is_deleted
