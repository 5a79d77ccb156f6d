"""Local supporting rate (本地配套率) = local suppliers / all suppliers, and its trend by year."""

import datetime as dt
from decimal import Decimal

import pytest

from chains.selectors import chain_leader_local_rates, leader_supply, local_supporting_rate
from enterprises.models import ChainLeaderRole, SupplierLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def geely(nev, link, nev_park, make_enterprise):
    leader = make_enterprise("吉利汽车晋中基地", link=link("乘用车"), park=nev_park)
    ChainLeaderRole.objects.create(enterprise=leader, chain=nev, level="provincial")
    return leader


def _supply(make_enterprise, leader, link, name, *, local, since=None):
    supplier = make_enterprise(name, local=local, region=leader.region if local else None)
    return SupplierLink.objects.create(
        supplier=supplier, leader=leader, link=link, is_local=local, since=since
    )


def test_rate_is_local_suppliers_over_all_suppliers(geely, link, make_enterprise):
    for i in range(3):
        _supply(make_enterprise, geely, link("动力电池"), f"本地{i}", local=True)
    for i in range(5):
        _supply(make_enterprise, geely, link("汽车电子"), f"外地{i}", local=False)
    assert local_supporting_rate(leader=geely) == Decimal("37.5")


def test_a_supplier_on_two_links_counts_once(geely, link, make_enterprise):
    sl = _supply(make_enterprise, geely, link("车身与底盘"), "太谷铸件", local=True)
    SupplierLink.objects.create(
        supplier=sl.supplier, leader=geely, link=link("汽车零部件"), is_local=True
    )
    _supply(make_enterprise, geely, link("汽车电子"), "上海芯片", local=False)
    supply = leader_supply(leader=geely, user=None)
    assert (supply.local_count, supply.total_count, supply.local_rate) == (1, 2, Decimal("50.0"))
    assert {row.link.name for row in supply.by_link} == {"车身与底盘", "汽车零部件", "汽车电子"}


def test_no_suppliers_means_no_rate_rather_than_zero(geely):
    assert local_supporting_rate(leader=geely) is None
    assert leader_supply(leader=geely, user=None).local_rate is None


def test_trend_counts_suppliers_in_place_by_each_year(geely, link, make_enterprise, demo_users):
    _supply(
        make_enterprise, geely, link("汽车电子"), "上海芯片", local=False, since=dt.date(2016, 9, 1)
    )
    _supply(make_enterprise, geely, link("汽车电子"), "苏州传感器", local=False)  # since unknown
    _supply(
        make_enterprise, geely, link("动力电池"), "晋中锂电", local=True, since=dt.date(2018, 5, 1)
    )
    _supply(
        make_enterprise, geely, link("电机电控"), "晋中电机", local=True, since=dt.date(2020, 1, 1)
    )

    trend = {t["year"]: t for t in leader_supply(leader=geely, user=demo_users["city_staff"]).trend}
    assert (trend[2016]["local"], trend[2016]["total"], trend[2016]["rate"]) == (
        0,
        2,
        Decimal("0.0"),
    )
    assert (trend[2018]["local"], trend[2018]["total"]) == (1, 3)
    assert trend[2019]["rate"] == Decimal("33.3")
    assert trend[2020]["rate"] == Decimal("50.0")
    assert local_supporting_rate(leader=geely, year=2019) == Decimal("33.3")
    assert max(trend) >= 2020


def test_projects_that_bring_suppliers_in(
    geely, nev, link, region, nev_park, make_enterprise, make_project, demo_users
):
    supplier = _supply(make_enterprise, geely, link("汽车电子"), "上海芯片", local=False).supplier
    brings = make_project(
        "上海芯片晋中工厂", link=link("汽车电子"), region=region("JZKFQ"), investor=supplier
    )
    in_park = make_project(
        "园区电池项目", link=link("动力电池"), region=region("JZKFQ"), park=nev_park
    )
    make_project("平遥充电项目", link=link("充换电与加注"), region=region("140728"))
    make_project(
        "吉利扩能", link=link("乘用车"), region=region("JZKFQ"), park=nev_park, investor=geely
    )

    projects = leader_supply(leader=geely, user=demo_users["city_staff"]).projects
    assert set(projects) == {brings, in_park}
    assert leader_supply(leader=geely, user=demo_users["taigu_staff"]).projects == []


def test_rates_for_the_dashboard(geely, link, make_enterprise):
    _supply(make_enterprise, geely, link("动力电池"), "晋中锂电", local=True)
    _supply(make_enterprise, geely, link("汽车电子"), "上海芯片", local=False)
    assert chain_leader_local_rates() == [
        {
            "enterprise_id": geely.pk,
            "enterprise": "吉利汽车晋中基地",
            "chain": "新能源汽车",
            "local": 1,
            "total": 2,
            "rate": Decimal("50.0"),
        }
    ]
