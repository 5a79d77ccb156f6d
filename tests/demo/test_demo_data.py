"""The demo data reproduces the source article's figures, and loading it twice changes nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from enterprises.models import Enterprise, IndustrialPark
from projects.models import FundsInPlace, Project


def _totals(**filters):
    return Project.objects.filter(**filters).aggregate(
        n=Count("id"), amount=Sum("planned_investment")
    )


@pytest.fixture
def demo(demo_data, db):
    return None


def test_q1_2023_has_39_signed_projects_worth_356_69_yi(demo):
    totals = _totals(signed_on__range=("2023-01-01", "2023-03-31"))
    assert totals == {"n": 39, "amount": Decimal("3566900")}


def test_taiyuan_conference_signed_15_projects_worth_346_8_yi(demo):
    assert _totals(signed_on="2023-02-03") == {"n": 15, "amount": Decimal("3468000")}


def test_q1_2023_expected_new_start_is_35_78_yi(demo):
    totals = _totals(planned_start_on__range=("2023-01-01", "2023-03-31"))
    assert totals["amount"] == Decimal("357800")


def test_named_enterprises_and_places_of_the_article_exist(demo):
    geely = Enterprise.objects.get(name="吉利汽车晋中基地")
    assert geely.tier == "100yi" and geely.latest_output_value == Decimal("2330000")
    assert geely.chain_roles.filter(level="provincial", kind="leader").exists()
    antai = Enterprise.objects.get(name="山西安泰集团股份有限公司")
    assert set(antai.chain_roles.values_list("level", "kind")) == {
        ("provincial", "core"),
        ("municipal", "leader"),
    }
    beef = Enterprise.objects.get(name="平遥牛肉集团有限公司").year_figures.get(year=2022)
    assert (beef.revenue, beef.profit, beef.tax) == (
        Decimal("71000"),
        Decimal("2022"),
        Decimal("5209"),
    )
    assert IndustrialPark.objects.filter(kind="specialty_town").count() == 4
    talks = _totals(
        region__code="JZKFQ",
        method__code__in=["market-based", "resident-office"],
        stage="negotiating",
    )
    assert talks == {"n": 14, "amount": Decimal("1056800")}


def test_loading_twice_changes_nothing(demo):
    before = (
        Project.all_objects.count(),
        Enterprise.all_objects.count(),
        FundsInPlace.objects.count(),
    )
    call_command("load_demo", verbosity=0)
    assert (
        Project.all_objects.count(),
        Enterprise.all_objects.count(),
        FundsInPlace.objects.count(),
    ) == before


def test_pingyao_beef_group_is_in_the_100m_tier_by_its_7_1_yi_of_sales(demo, client):
    """十百千 counts the larger of output value and sales revenue: 平遥牛肉集团 reported only its
    2022 sales (7.1亿元), so it is 亿元级 on its page, in the list filter, on the dashboard and in
    the API."""
    from accounts.models import User
    from dashboards import selectors as dashboard_selectors
    from dashboards.periods import parse_period

    beef = Enterprise.objects.get(name="平遥牛肉集团有限公司")
    assert (beef.tier, beef.tier_value) == ("1yi", Decimal("71000"))

    client.force_login(User.objects.get(username="city_staff"))
    page = client.get(f"/enterprises/{beef.pk}/").content.decode()
    assert "亿元级" in page and "7.10 亿元" in page and "1亿元以下" not in page
    listed = client.get("/enterprises/", {"tier": "1yi", "q": "平遥牛肉"}).content.decode()
    assert "平遥牛肉集团有限公司" in listed
    tiers = dashboard_selectors.dashboard_data(period=parse_period({}, default_year=2023))["tiers"]
    one_yi = Enterprise.objects.filter(tier="1yi").count()
    assert one_yi >= 1 and any("亿元级" in t["name"] and t["count"] == one_yi for t in tiers)
    api = client.get(f"/api/v1/enterprises/{beef.pk}/").json()
    assert (api["tier"], api["tier_value"]) == ("1yi", "71000.000000")
    api_list = client.get("/api/v1/enterprises/", {"tier": "1yi"}).json()
    assert beef.pk in {row["id"] for row in api_list["results"]}


# GB/T 2260 province codes (characters 3-4 of a credit code), written out here as the oracle.
PROVINCE_CODE = {
    "北京市": "11",
    "天津市": "12",
    "河北省": "13",
    "山西省": "14",
    "内蒙古自治区": "15",
    "吉林省": "22",
    "上海市": "31",
    "江苏省": "32",
    "浙江省": "33",
    "安徽省": "34",
    "福建省": "35",
    "山东省": "37",
    "河南省": "41",
    "湖北省": "42",
    "广东省": "44",
    "广西壮族自治区": "45",
    "海南省": "46",
    "重庆市": "50",
    "四川省": "51",
    "陕西省": "61",
}
ORIGIN_PROVINCES = {
    "jjj": {"北京市", "天津市", "河北省"},
    "yrd": {"上海市", "江苏省", "浙江省", "安徽省"},
    "prd": {"广东省"},
    "in_province": {"山西省"},
    "overseas": {""},
}
NAME_PROVINCE = {
    "北京": "北京市",
    "天津": "天津市",
    "河北": "河北省",
    "上海": "上海市",
    "江苏": "江苏省",
    "苏州": "江苏省",
    "浙江": "浙江省",
    "杭州": "浙江省",
    "宁波": "浙江省",
    "广东": "广东省",
    "深圳": "广东省",
    "广州": "广东省",
    "山西": "山西省",
    "太原": "山西省",
    "河南": "河南省",
    "四川": "四川省",
    "成都": "四川省",
    "香港": "",
    "新加坡": "",
}


def test_every_demo_credit_code_is_valid_and_registered_in_the_enterprise_s_home_province(demo):
    from core.credit_code import validate_credit_code

    enterprises = list(Enterprise.all_objects.select_related("region"))
    assert len(enterprises) > 300
    for e in enterprises:
        where = f"{e.name}: {e.credit_code} {e.investor_origin} {e.origin_province}"
        if e.investor_origin == "overseas":
            assert (e.credit_code, e.origin_province, e.ownership) == ("", "", "foreign"), where
            continue
        validate_credit_code(e.credit_code)
        assert e.credit_code[2:4] == PROVINCE_CODE[e.origin_province], where
        if e.is_local:  # registered in its own county (晋中开发区 at the city)
            assert e.credit_code[2:8] == (e.region.code if e.region.code.isdigit() else "140700"), (
                where
            )
        else:
            assert e.credit_code[2:6] != "1407", where
        if e.investor_origin in ORIGIN_PROVINCES:
            assert e.origin_province in ORIGIN_PROVINCES[e.investor_origin], where
        else:
            assert e.investor_origin == "other_domestic", where
            assert e.origin_province not in set().union(*ORIGIN_PROVINCES.values()), where
    for e in enterprises:  # a name that names a place is from that place
        for prefix, province in NAME_PROVINCE.items():
            if e.name.startswith(prefix) and not e.is_local:
                assert e.origin_province == province, f"{e.name}: {e.origin_province}"


def test_the_article_s_enterprises_keep_their_jinzhong_identities(demo):
    for name, region in [
        ("吉利汽车晋中基地", "JZKFQ"),
        ("山西安泰集团股份有限公司", "140781"),
        ("平遥牛肉集团有限公司", "140728"),
    ]:
        e = Enterprise.objects.get(name=name)
        assert (e.is_local, e.region.code, e.investor_origin) == (True, region, "in_province")
    assert Enterprise.objects.get(name="汉麻集团").origin_province == "北京市"
    assert Enterprise.objects.get(name="天津商会").credit_code[:4] == "5112"
