"""The /enterprises/ list on PostgreSQL: each filter, search, sort, pagination, the empty state."""

import pytest
from django.urls import reverse

from core.models import ChainLink
from enterprises import services
from enterprises.models import ChainLeaderRole, SupplierLink
from tests.enterprises.conftest import make_code


@pytest.fixture
def world(make_enterprise, make_park, regions, chains):
    """A small, known set of enterprises across regions, parks, chains, tiers and origins."""
    park = make_park("晋中新能源汽车产业园", region_code="JZKFQ", chains=[chains["nev"]])
    geely = make_enterprise(
        "吉利汽车晋中基地",
        region=regions["JZKFQ"],
        park=park,
        is_local=True,
        investor_origin="yrd",
        ownership="private",
        main_chain=chains["nev"],
    )
    antai = make_enterprise(
        "山西安泰集团股份有限公司",
        region=regions["140781"],
        is_local=True,
        investor_origin="in_province",
        ownership="private",
        main_chain=chains["special-steel"],
        credit_code=make_code("91140000110001A"),
    )
    beef = make_enterprise(
        "平遥牛肉集团有限公司",
        region=regions["140728"],
        is_local=True,
        investor_origin="in_province",
        ownership="state",
    )
    battery = make_enterprise(
        "江苏华能动力电池科技有限公司", investor_origin="yrd", ownership="private"
    )
    beijing = make_enterprise("北京中通专用汽车有限公司", investor_origin="jjj")
    for e, output in [(geely, "233亿"), (antai, "310.7亿"), (beef, "7.1亿"), (battery, "12亿")]:
        services.year_figures_record(enterprise=e, year=2022, output_value=output)
    ChainLeaderRole.objects.create(enterprise=geely, chain=chains["nev"], level="provincial")
    link = ChainLink.objects.filter(chain=chains["nev"]).first()
    SupplierLink.objects.create(supplier=battery, leader=geely, link=link)
    return {
        "geely": geely,
        "antai": antai,
        "beef": beef,
        "battery": battery,
        "beijing": beijing,
        "park": park,
    }


@pytest.fixture
def reader(client, demo_users):
    client.force_login(demo_users["leader"])
    return client


def names(client, **params):
    response = client.get(reverse("enterprises:list"), params)
    assert response.status_code == 200
    return [e.name for e in response.context["page"].object_list]


def test_default_order_is_by_pinyin(reader, world):
    assert names(reader) == [
        "北京中通专用汽车有限公司",  # beijing
        "江苏华能动力电池科技有限公司",  # jiangsu
        "吉利汽车晋中基地",  # jili
        "平遥牛肉集团有限公司",
        "山西安泰集团股份有限公司",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "JZKFQ"}, {"吉利汽车晋中基地"}),
        ({"region": "140781"}, {"山西安泰集团股份有限公司"}),
        ({"tier": "100yi"}, {"吉利汽车晋中基地", "山西安泰集团股份有限公司"}),
        ({"tier": "10yi"}, {"江苏华能动力电池科技有限公司"}),
        ({"tier": "1yi"}, {"平遥牛肉集团有限公司"}),
        ({"tier": "none"}, {"北京中通专用汽车有限公司"}),
        ({"origin": "yrd"}, {"吉利汽车晋中基地", "江苏华能动力电池科技有限公司"}),
        ({"origin": "jjj"}, {"北京中通专用汽车有限公司"}),
        ({"local": "0"}, {"江苏华能动力电池科技有限公司", "北京中通专用汽车有限公司"}),
        ({"ownership": "state"}, {"平遥牛肉集团有限公司"}),
        ({"chain_leader": "1"}, {"吉利汽车晋中基地"}),
        # A chain counts the main chain, chain roles and supplier links on it.
        ({"chain": "nev"}, {"吉利汽车晋中基地", "江苏华能动力电池科技有限公司"}),
        ({"chain": "special-steel"}, {"山西安泰集团股份有限公司"}),
        ({"q": "jl"}, {"吉利汽车晋中基地"}),
        ({"q": "anTai"}, {"山西安泰集团股份有限公司"}),
        ({"q": "牛肉"}, {"平遥牛肉集团有限公司"}),
        ({"q": "平遥牛肉集团"}, {"平遥牛肉集团有限公司"}),
        ({"q": "91140000110001"}, {"山西安泰集团股份有限公司"}),
        ({"region": "JZKFQ", "origin": "jjj"}, set()),
        ({"chain": "nev", "tier": "10yi", "local": "0"}, {"江苏华能动力电池科技有限公司"}),
    ],
)
def test_filters(reader, world, params, expected):
    assert set(names(reader, **params)) == expected


def test_park_filter(reader, world):
    assert names(reader, park=world["park"].pk) == ["吉利汽车晋中基地"]


def test_sort_by_output_value_descending(reader, world):
    assert names(reader, sort="-output", tier="100yi") == [
        "山西安泰集团股份有限公司",
        "吉利汽车晋中基地",
    ]


@pytest.mark.parametrize("sort", ["-output", "output"])
def test_enterprises_without_figures_sort_last_either_way(reader, world, sort):
    assert names(reader, sort=sort)[-1] == "北京中通专用汽车有限公司"


def test_unknown_filter_values_show_an_empty_list_not_an_error(reader, world):
    response = reader.get(reverse("enterprises:list"), {"region": "nowhere", "tier": "x"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "没有符合筛选条件的企业" in response.content.decode()


def test_deleted_enterprises_leave_the_list(reader, world):
    services.enterprise_delete(enterprise=world["beef"])
    assert "平遥牛肉集团有限公司" not in names(reader)


def test_pagination_keeps_the_filters(reader, make_enterprise, reference_data):
    for i in range(30):
        make_enterprise(f"吉利配套{i:02d}公司")
    make_enterprise("安泰配套公司")
    first = reader.get(reverse("enterprises:list"), {"q": "jl"})
    assert first.context["page"].paginator.count == 30
    html = first.content.decode()
    assert "page=2" in html and "q=jl" in html
    second = reader.get(reverse("enterprises:list"), {"q": "jl", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_rows(
    reader, world, make_enterprise, django_assert_max_num_queries
):
    for i in range(20):
        make_enterprise(f"测试企业{i:02d}", investor_origin="yrd")
    with django_assert_max_num_queries(12):
        reader.get(reverse("enterprises:list"), {"origin": "yrd"})


def test_project_counts_follow_the_users_scope(client, demo_users, world, make_project):
    make_project("榆次项目", world["battery"], region_code="140702")
    make_project("太谷项目", world["battery"], region_code="140703")
    client.force_login(demo_users["yuci_official"])
    rows = client.get(reverse("enterprises:list"), {"q": "华能"}).context["page"].object_list
    assert rows[0].project_count == 1
    client.force_login(demo_users["leader"])
    rows = client.get(reverse("enterprises:list"), {"q": "华能"}).context["page"].object_list
    assert rows[0].project_count == 2
