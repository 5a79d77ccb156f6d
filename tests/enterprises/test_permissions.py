"""Enterprises are shared reference data: everyone logged in reads them; edit roles write; county
staff write only enterprises of their own region or with none."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from enterprises import services
from enterprises.models import Enterprise


@pytest.fixture
def yuci_firm(make_enterprise, regions):
    return make_enterprise("榆次企业", region=regions["140702"])


@pytest.fixture
def taigu_firm(make_enterprise, regions):
    return make_enterprise("太谷企业", region=regions["140703"])


@pytest.fixture
def outside_firm(make_enterprise):
    return make_enterprise("外地客商")


@pytest.mark.parametrize("username", ["yuci_official", "leader", "yuci_staff", "city_staff"])
def test_every_logged_in_user_reads_every_enterprise(client, demo_users, taigu_firm, username):
    client.force_login(demo_users[username])
    assert client.get(reverse("enterprises:detail", args=[taigu_firm.pk])).status_code == 200
    assert client.get(reverse("enterprises:list")).context["page"].paginator.count == 1


def test_anonymous_users_are_sent_to_login(client, taigu_firm):
    for url in (reverse("enterprises:list"), reverse("enterprises:detail", args=[taigu_firm.pk])):
        assert client.get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("username", ["yuci_official", "leader"])
def test_read_only_roles_cannot_create_or_edit(client, demo_users, yuci_firm, username):
    client.force_login(demo_users[username])
    assert client.get(reverse("enterprises:create")).status_code == 403
    assert client.post(reverse("enterprises:create"), {"name": "x"}).status_code == 403
    assert client.get(reverse("enterprises:edit", args=[yuci_firm.pk])).status_code == 403
    assert client.post(reverse("enterprises:delete", args=[yuci_firm.pk])).status_code == 403
    page = client.get(reverse("enterprises:detail", args=[yuci_firm.pk])).content.decode()
    assert reverse("enterprises:edit", args=[yuci_firm.pk]) not in page
    assert Enterprise.objects.count() == 1


def test_county_staff_edit_own_region_and_region_less_but_not_other_counties(
    client, demo_users, yuci_firm, taigu_firm, outside_firm
):
    client.force_login(demo_users["yuci_staff"])
    assert client.get(reverse("enterprises:edit", args=[yuci_firm.pk])).status_code == 200
    assert client.get(reverse("enterprises:edit", args=[outside_firm.pk])).status_code == 200
    assert client.get(reverse("enterprises:edit", args=[taigu_firm.pk])).status_code == 403
    assert client.get(reverse("enterprises:contact_add", args=[taigu_firm.pk])).status_code == 403
    response = client.post(
        reverse("enterprises:figures_record", args=[taigu_firm.pk]),
        {"year": "2022", "output_value": "1"},
    )
    assert response.status_code == 403


def test_county_staff_create_in_own_region_only(client, demo_users, reference_data):
    client.force_login(demo_users["yuci_staff"])
    form = client.get(reverse("enterprises:create")).context["form"]
    assert [r.code for r in form.fields["region"].queryset] == ["140702"]
    response = client.post(
        reverse("enterprises:create"),
        {"name": "跨区企业", "region": "140703", "token": str(uuid.uuid4())},
    )
    assert "region" in response.context["form"].errors
    assert not Enterprise.objects.exists()


def test_service_refuses_county_staff_moving_an_enterprise_to_another_county(
    demo_users, outside_firm, regions
):
    with pytest.raises(PermissionDenied):
        services.enterprise_update(
            enterprise=outside_firm, by=demo_users["yuci_staff"], region=regions["140703"]
        )
    outside_firm.refresh_from_db()
    assert outside_firm.region is None
