"""Gap detection: a link is a gap until a local enterprise sits on it or a project on it produces."""

import datetime as dt

import pytest

from chains.selectors import chain_list, chain_map
from enterprises import services as enterprise_services
from enterprises.models import SupplierLink
from projects import services as project_services

pytestmark = pytest.mark.django_db


def _state(cmap, name):
    return next(s for s in cmap.links if s.link.name == name)


def test_every_link_is_a_gap_when_nothing_sits_on_the_chain(nev, demo_users):
    cmap = chain_map(chain=nev, user=demo_users["city_staff"])
    assert cmap.gap_count == nev.links.count() == len(cmap.links)


def test_link_becomes_filled_when_a_local_enterprise_arrives(
    nev, link, nev_park, make_enterprise, demo_users
):
    user = demo_users["city_staff"]
    assert _state(chain_map(chain=nev, user=user), "动力电池").is_gap

    make_enterprise("晋中锂电有限公司", link=link("动力电池"), park=nev_park)

    state = _state(chain_map(chain=nev, user=user), "动力电池")
    assert state.is_filled
    assert [e.name for e in state.enterprises] == ["晋中锂电有限公司"]
    assert state.enterprises_by_park[0][0] == "晋中新能源汽车产业园"


def test_an_outside_enterprise_on_the_link_does_not_fill_it(nev, link, make_enterprise, demo_users):
    make_enterprise("宁德电芯有限公司", link=link("动力电池"), local=False)
    assert _state(chain_map(chain=nev, user=demo_users["city_staff"]), "动力电池").is_gap


def test_soft_deleted_enterprise_leaves_the_gap_open(
    nev, link, nev_park, make_enterprise, demo_users
):
    e = make_enterprise("晋中锂电有限公司", link=link("动力电池"), park=nev_park)
    enterprise_services.enterprise_delete(enterprise=e)
    assert _state(chain_map(chain=nev, user=demo_users["city_staff"]), "动力电池").is_gap


def test_link_becomes_filled_when_a_project_on_it_reaches_production(
    nev, link, region, make_project, demo_users
):
    user = demo_users["city_staff"]
    project = make_project(
        "充电站项目", link=link("充换电与加注"), region=region("JZKFQ"), stage="started"
    )

    state = _state(chain_map(chain=nev, user=user), "充换电与加注")
    assert state.is_gap, "a project still being built only would fill the gap"
    assert state.pipeline_projects == [project]

    project_services.project_advance_stage(
        project=project, to="producing", on=dt.date(2024, 6, 1), by=user
    )

    state = _state(chain_map(chain=nev, user=user), "充换电与加注")
    assert state.is_filled
    assert state.producing_projects == [project] and state.pipeline_projects == []


def test_a_dropped_project_is_neither_filling_nor_in_the_pipeline(
    nev, link, region, make_project, demo_users
):
    user = demo_users["city_staff"]
    project = make_project(
        "电池回收项目", link=link("电池回收利用"), region=region("140702"), stage="signed"
    )
    project_services.project_advance_stage(
        project=project, to="dropped", on=dt.date(2023, 3, 1), by=user, reason="外迁"
    )
    state = _state(chain_map(chain=nev, user=user), "电池回收利用")
    assert state.is_gap and state.pipeline_projects == []


def test_parent_link_is_filled_through_a_sub_link(nev, link, nev_park, make_enterprise, demo_users):
    make_enterprise("吉利汽车晋中基地", link=link("乘用车"), park=nev_park)
    cmap = chain_map(chain=nev, user=demo_users["city_staff"])
    assert _state(cmap, "整车制造").is_filled and not _state(cmap, "整车制造").filled_directly
    assert _state(cmap, "商用车").is_gap
    names = [s.link.name for s in cmap.links]
    assert names.index("整车制造") < names.index("乘用车") < names.index("充换电与加注")
    assert _state(cmap, "乘用车").depth == 1


def test_a_local_supplier_on_a_link_fills_it(nev, link, nev_park, make_enterprise, demo_users):
    leader = make_enterprise("吉利汽车晋中基地", link=link("乘用车"), park=nev_park)
    supplier = make_enterprise(
        "榆次电控有限公司", region=nev_park.region
    )  # no main link of its own
    SupplierLink.objects.create(
        supplier=supplier, leader=leader, link=link("电机电控"), is_local=True
    )
    assert _state(chain_map(chain=nev, user=demo_users["city_staff"]), "电机电控").is_filled


def test_region_and_park_filters_apply_the_rule_to_that_place_only(
    nev, link, region, nev_park, make_enterprise, make_project, demo_users
):
    user = demo_users["city_staff"]
    make_enterprise("晋中锂电有限公司", link=link("动力电池"), park=nev_park)
    make_enterprise("榆次电控有限公司", link=link("电机电控"), region=region("140702"))
    make_project("专用车项目", link=link("专用车"), region=region("140702"), stage="producing")

    yuci = chain_map(chain=nev, user=user, region=region("140702"))
    assert _state(yuci, "动力电池").is_gap
    assert _state(yuci, "电机电控").is_filled and _state(yuci, "专用车").is_filled

    park = chain_map(chain=nev, user=user, park=nev_park)
    assert _state(park, "动力电池").is_filled
    assert _state(park, "电机电控").is_gap and _state(park, "专用车").is_gap


def test_county_user_sees_only_projects_of_own_region_on_the_map(
    nev, link, region, make_project, demo_users
):
    make_project(
        "太谷充电站", link=link("充换电与加注"), region=region("140703"), stage="producing"
    )
    yuci_state = _state(chain_map(chain=nev, user=demo_users["yuci_staff"]), "充换电与加注")
    assert yuci_state.is_gap and yuci_state.producing_projects == []
    assert _state(chain_map(chain=nev, user=demo_users["city_staff"]), "充换电与加注").is_filled


def test_chain_map_runs_a_constant_number_of_queries(
    nev,
    link,
    region,
    nev_park,
    make_enterprise,
    make_project,
    demo_users,
    django_assert_max_num_queries,
):
    user = demo_users["city_staff"]
    for i, name in enumerate(["动力电池", "电机电控", "汽车电子", "乘用车"]):
        make_enterprise(f"晋中企业{i}", link=link(name), park=nev_park)
        make_project(f"项目{i}", link=link(name), region=region("JZKFQ"), stage="signed")
    with django_assert_max_num_queries(8):
        cmap = chain_map(chain=nev, user=user)
        [e.park for s in cmap.links for e in s.enterprises]
        [p.investor.name for s in cmap.links for p in s.pipeline_projects]


def test_chain_list_counts_gaps_per_chain(nev, link, nev_park, make_enterprise, demo_users):
    make_enterprise("晋中锂电有限公司", link=link("动力电池"), park=nev_park)
    summary = {s.chain.code: s for s in chain_list(user=demo_users["city_staff"])}
    assert summary["nev"].gap_count == nev.links.count() - 1
    assert summary["special-steel"].gap_count == summary["special-steel"].link_count
