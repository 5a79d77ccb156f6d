"""The enterprise pages' forms: every bad input is refused with a clear message and saves nothing;
a double submit creates one record; HTML in names is stored as typed and shown escaped."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.models import Enterprise, EnterpriseContact, EnterpriseYearFigure
from tests.enterprises.conftest import make_code


@pytest.fixture
def city(client, demo_users):
    client.force_login(demo_users["city_staff"])
    return client


def _create(client, **data):
    payload = {"name": "晋中测试企业", "token": str(uuid.uuid4()), **data}
    return client.post(reverse("enterprises:create"), payload)


def test_city_staff_creates_an_enterprise_with_every_field(city, regions, chains):
    code = make_code("91140702MA0K12A")
    response = _create(
        city,
        name="  晋中测试机械有限公司 ",
        credit_code=code.lower(),
        is_local="on",
        region="140702",
        investor_origin="in_province",
        ownership="private",
        origin_province="山西省",
        origin_city="晋中",
        main_chain="nev",
        website="example.com",
        notes="备注",
    )
    e = Enterprise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:detail", args=[e.pk])
    assert (e.name, e.credit_code, e.region.code, e.main_chain.code) == (
        "晋中测试机械有限公司",
        code,
        "140702",
        "nev",
    )
    assert e.website == "https://example.com"
    assert e.history.get().history_user.username == "city_staff"


def test_html_in_a_name_is_stored_as_typed_and_shown_escaped(city, reference_data):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>公司'
    _create(city, name=evil, notes="<b>bold</b>")
    e = Enterprise.objects.get()
    assert e.name == evil
    for url in (reverse("enterprises:detail", args=[e.pk]), reverse("enterprises:list")):
        html = city.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    rows = city.get(reverse("enterprises:autocomplete"), {"q": "公司"}).json()
    assert (
        rows[0]["name"] == evil
    )  # JSON carries the text; the JS sets it as a property, never HTML


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "该字段是必填项"),
        ({"name": "   "}, "name", ""),
        ({"name": "长" * 201}, "name", "201"),
        ({"notes": "x" * 5001}, "notes", "5001"),
        ({"origin_city": "市" * 31}, "origin_city", ""),
        ({"credit_code": "91330000747735638K"}, "credit_code", "校验"),
        ({"credit_code": "9133000074773563"}, "credit_code", "18"),
        ({"credit_code": "91330000747735638O"}, "credit_code", ""),
        ({"website": "javascript:alert(1)"}, "website", ""),
        ({"region": "999999"}, "region", ""),
        ({"investor_origin": "mars"}, "investor_origin", ""),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(
    city, reference_data, data, field, message
):
    response = _create(city, **data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    if message:
        assert message in " ".join(form.errors[field])
    assert "请更正下面的错误" in response.content.decode() or form.errors
    assert not Enterprise.all_objects.exists()


def test_a_taken_credit_code_is_refused_naming_the_holder(city, make_enterprise):
    code = make_code("91140702MA0K77A")
    make_enterprise("山西安泰集团股份有限公司", credit_code=code)
    response = _create(city, name="另一家公司", credit_code=code)
    assert "山西安泰集团股份有限公司" in " ".join(response.context["form"].errors["credit_code"])
    assert Enterprise.objects.count() == 1


def test_park_outside_the_region_is_refused(city, make_park, regions):
    park = make_park("太谷园区", region_code="140703")
    response = _create(city, region="140702", park=str(park.pk))
    assert "park" in response.context["form"].errors
    assert not Enterprise.objects.exists()


def test_double_submitted_form_creates_one_enterprise(city, reference_data):
    token = str(uuid.uuid4())
    first = _create(city, name="双击测试公司", token=token)
    second = _create(city, name="双击测试公司", token=token)
    assert Enterprise.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_edit_changes_fields_and_records_before_and_after(city, make_enterprise, regions):
    e = make_enterprise("榆次某某厂", region=regions["140702"])
    response = city.post(
        reverse("enterprises:edit", args=[e.pk]),
        {"name": "榆次某某机械厂", "region": "140703", "ownership": "state"},
    )
    assert response.status_code == 302
    page = city.get(reverse("enterprises:detail", args=[e.pk])).content.decode()
    assert "榆次某某厂" in page and "榆次某某机械厂" in page  # name before → after
    assert "榆次区" in page and "太谷区" in page  # region before → after, by name
    history = city.get(reverse("enterprises:detail", args=[e.pk])).context["history"]
    changed = {c["name"]: (c["old"], c["new"]) for c in history[0]["changes"]}
    assert changed["name"] == ("榆次某某厂", "榆次某某机械厂")
    assert changed["region"] == ("榆次区", "太谷区")
    assert changed["ownership"] == ("—", "国有")
    assert history[0]["record"].history_user.username == "city_staff"


def test_failed_edit_leaves_the_enterprise_unchanged(city, make_enterprise):
    e = make_enterprise("原名公司")
    response = city.post(
        reverse("enterprises:edit", args=[e.pk]),
        {"name": "新名公司", "credit_code": "91330000747735638K"},
    )
    assert response.status_code == 200
    e.refresh_from_db()
    assert (e.name, e.credit_code, e.history.count()) == ("原名公司", "", 1)


# --- contacts ---------------------------------------------------------------------------------
def test_contact_is_added_once_even_when_submitted_twice(city, make_enterprise):
    e = make_enterprise("联系人测试公司")
    url = reverse("enterprises:contact_add", args=[e.pk])
    data = {"name": "张三", "title": "总经理", "phone": "+86 138-0013-8000"}
    assert city.post(url, data).status_code == 302
    assert city.post(url, data).status_code == 302
    contact = EnterpriseContact.objects.get()
    assert contact.mobile_normalized == "13800138000"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "phone": "13800138000"}, "name"),
        ({"name": "李" * 51, "phone": "13800138000"}, "name"),
        ({"name": "王五", "email": "not-an-email"}, "email"),
        ({"name": "王五", "phone": "电话待定"}, "phone"),
        ({"name": "王五"}, "__all__"),
    ],
)
def test_bad_contacts_are_refused(city, make_enterprise, data, field):
    e = make_enterprise("联系人测试公司")
    response = city.post(reverse("enterprises:contact_add", args=[e.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not EnterpriseContact.objects.exists()


# --- yearly figures -----------------------------------------------------------------------------
def test_amounts_with_units_are_parsed_and_the_tier_follows(city, make_enterprise):
    e = make_enterprise("产值测试公司")
    url = reverse("enterprises:figures_record", args=[e.pk])
    response = city.post(
        url,
        {"year": "2022", "output_value": "3.5亿", "revenue": "3500万", "profit": "-20", "tax": ""},
    )
    assert response.status_code == 302
    f = EnterpriseYearFigure.objects.get()
    assert (f.output_value, f.revenue, f.profit, f.tax) == (
        Decimal("35000"),
        Decimal("3500"),
        Decimal("-20"),
        None,
    )
    e.refresh_from_db()
    assert e.tier == "1yi" and e.latest_output_value == Decimal("35000")
    # Recording the year again corrects it: still one row, tier re-derived.
    city.post(url, {"year": "2022", "output_value": "12亿"})
    e.refresh_from_db()
    assert EnterpriseYearFigure.objects.count() == 1 and e.tier == "10yi"


@pytest.mark.parametrize(
    "bad",
    [
        "-5",
        "abc",
        "NaN",
        "inf",
        "1e5",
        "１２３",
        "1_000",
        "2万亿",
        "100000001",
        "3.5亿元整",
        "0.0000001",
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_saved(city, make_enterprise, bad):
    e = make_enterprise("产值测试公司")
    response = city.post(
        reverse("enterprises:figures_record", args=[e.pk]), {"year": "2022", "output_value": bad}
    )
    assert response.status_code == 200
    assert "output_value" in response.context["form"].errors
    assert not EnterpriseYearFigure.objects.exists()
    e.refresh_from_db()
    assert e.tier == ""


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": "1800", "output_value": "1"}, "year"),
        ({"year": "2022"}, "__all__"),
        ({"year": "2022", "employees": "-1"}, "employees"),
        ({"year": "2022", "employees": "2.5"}, "employees"),
    ],
)
def test_bad_year_rows_are_refused(city, make_enterprise, data, field):
    e = make_enterprise("产值测试公司")
    response = city.post(reverse("enterprises:figures_record", args=[e.pk]), data)
    assert field in response.context["form"].errors
    assert not EnterpriseYearFigure.objects.exists()


# --- delete and restore -------------------------------------------------------------------------
def test_delete_asks_first_then_hides_and_restore_brings_back(city, make_enterprise):
    e = make_enterprise("删除测试公司")
    confirm = city.get(reverse("enterprises:delete", args=[e.pk]))
    assert confirm.status_code == 200 and "删除测试公司" in confirm.content.decode()
    assert Enterprise.objects.filter(pk=e.pk).exists()  # GET changed nothing

    city.post(reverse("enterprises:delete", args=[e.pk]))
    assert not Enterprise.objects.filter(pk=e.pk).exists()
    assert Enterprise.all_objects.get(pk=e.pk).is_deleted
    listed = city.get(reverse("enterprises:list"), {"deleted": "1"}).context["page"].object_list
    assert [x.name for x in listed] == ["删除测试公司"]

    city.post(reverse("enterprises:restore", args=[e.pk]))
    assert Enterprise.objects.filter(pk=e.pk).exists()


def test_deleted_list_says_when_there_is_nothing_to_restore(city, reference_data):
    html = city.get(reverse("enterprises:list"), {"deleted": "1"}).content.decode()
    assert "没有已删除的企业" in html
