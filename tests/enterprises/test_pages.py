"""The enterprise page and the park pages: what they show, scoped to the user, in few queries."""

import re

import pytest
from django.urls import reverse

from core.models import ChainLink
from enterprises import services
from enterprises.models import ChainLeaderRole, SupplierLink


@pytest.fixture
def geely_world(make_enterprise, make_park, make_project, regions, chains):
    park = make_park("晋中新能源汽车产业园", region_code="JZKFQ", chains=[chains["nev"]])
    geely = make_enterprise("吉利汽车晋中基地", region=regions["JZKFQ"], park=park, is_local=True)
    battery = make_enterprise("江苏华能动力电池科技有限公司")
    ChainLeaderRole.objects.create(
        enterprise=geely, chain=chains["nev"], level="provincial", kind="leader"
    )
    link = ChainLink.objects.filter(chain=chains["nev"]).first()
    SupplierLink.objects.create(supplier=battery, leader=geely, link=link, is_local=True)
    for year, output in [(2020, "40.8亿"), (2021, "100亿"), (2022, "233亿")]:
        services.year_figures_record(enterprise=geely, year=year, output_value=output)
    services.contact_add(enterprise=geely, name="王经理", phone="13800138000")
    zone = make_project(
        "吉利甲醇重卡扩能项目", geely, region_code="JZKFQ", amount="400000", park=park
    )
    yuci = make_project("吉利榆次配套项目", geely, region_code="140702", amount="2500")
    make_project("华能电池PACK项目", battery, region_code="JZKFQ", amount="350000", park=park)
    return {"geely": geely, "battery": battery, "park": park, "zone": zone, "yuci": yuci}


def test_enterprise_page_shows_everything(client, demo_users, geely_world):
    client.force_login(demo_users["city_staff"])
    geely = geely_world["geely"]
    response = client.get(reverse("enterprises:detail", args=[geely.pk]))
    html = response.content.decode()
    for text in [
        "吉利汽车晋中基地",
        "百亿级",  # tier badge from the latest output (233亿)
        "王经理",
        "13800138000",
        "新能源汽车",
        "省级",
        "江苏华能动力电池科技有限公司",  # its supplier
        "吉利甲醇重卡扩能项目",
        "吉利榆次配套项目",
        f'href="/projects/{geely_world["zone"].pk}/"',
        "2,330,000.00",  # 2022 output in 万元
        "变更记录",
    ]:
        assert text in html, text
    assert response.context["chart_data"] == {
        "years": ["2020", "2021", "2022"],
        "output_yi": ["40.80", "100.00", "233.00"],
    }
    assert 'id="output-chart-data" type="application/json"' in html
    assert "<script>" not in html.replace('<script src="', "")  # no inline script


def test_supplier_page_shows_whom_it_supplies(client, demo_users, geely_world):
    client.force_login(demo_users["city_staff"])
    html = client.get(reverse("enterprises:detail", args=[geely_world["battery"].pk])).content
    assert "吉利汽车晋中基地" in html.decode()


def test_county_official_sees_only_own_region_projects_of_an_enterprise(
    client, demo_users, geely_world
):
    client.force_login(demo_users["yuci_official"])
    response = client.get(reverse("enterprises:detail", args=[geely_world["geely"].pk]))
    assert [p.name for p in response.context["projects"]] == ["吉利榆次配套项目"]
    assert "吉利甲醇重卡扩能项目" not in response.content.decode()


def test_enterprise_page_query_count(
    client, demo_users, geely_world, django_assert_max_num_queries
):
    client.force_login(demo_users["city_staff"])
    url = reverse("enterprises:detail", args=[geely_world["geely"].pk])
    client.get(url)
    with django_assert_max_num_queries(16):
        client.get(url)


def test_missing_enterprise_is_404(client, demo_users, reference_data):
    client.force_login(demo_users["city_staff"])
    assert client.get(reverse("enterprises:detail", args=[999999])).status_code == 404


def test_deleted_enterprise_is_404_for_readers_and_restorable_for_editors(
    client, demo_users, geely_world
):
    battery = geely_world["battery"]
    services.enterprise_delete(enterprise=battery)
    client.force_login(demo_users["leader"])
    assert client.get(reverse("enterprises:detail", args=[battery.pk])).status_code == 404
    client.force_login(demo_users["city_staff"])
    html = client.get(reverse("enterprises:detail", args=[battery.pk])).content.decode()
    assert reverse("enterprises:restore", args=[battery.pk]) in html


def test_park_list_counts_enterprises_and_visible_projects(
    client, demo_users, geely_world, make_park
):
    make_park("太谷玛钢特色专业镇", region_code="140703", kind="specialty_town")
    client.force_login(demo_users["leader"])
    parks = {p.name: p for p in client.get(reverse("enterprises:park_list")).context["parks"]}
    assert (
        parks["晋中新能源汽车产业园"].enterprise_count,
        parks["晋中新能源汽车产业园"].project_count,
    ) == (1, 2)
    assert parks["太谷玛钢特色专业镇"].project_count == 0
    html = client.get(reverse("enterprises:park_list")).content.decode()
    assert "特色专业镇" in html and "产业园区" in html


def test_park_page_totals(client, demo_users, geely_world):
    client.force_login(demo_users["city_staff"])
    response = client.get(reverse("enterprises:park_detail", args=[geely_world["park"].pk]))
    assert response.context["projects_total"] == 750000
    html = response.content.decode()
    assert "75.00" in html  # 亿元
    assert "750,000.00" in html  # 万元 total row
    assert "吉利汽车晋中基地" in html and "新能源汽车" in html


def test_park_page_projects_are_scoped(client, demo_users, geely_world):
    client.force_login(demo_users["yuci_official"])
    response = client.get(reverse("enterprises:park_detail", args=[geely_world["park"].pk]))
    assert response.context["projects"] == []
    assert response.context["projects_total"] == 0


def test_enterprise_list_rows_are_phone_cards_with_labelled_fields(client, demo_users, geely_world):
    client.force_login(demo_users["city_staff"])
    body = client.get("/enterprises/").content.decode()
    # The project list's mechanism (app.css .table-cards): one <tbody> a row, each field labelled.
    assert 'class="table table-vcenter card-table table-cards"' in body
    rows = re.findall(r'<tbody data-testid="enterprise-row">(.*?)</tbody>', body, re.S)
    assert rows and all('data-label="产值(亿元)"' in row for row in rows)
    assert "排序:" in body and "按名称拼音" in body
