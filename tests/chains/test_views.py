"""The chain pages: list, map with filters, links editing, target list, conversion, leader view."""

import re

import pytest
from django.urls import reverse

from chains import services
from chains.models import ChainTarget
from core.models import ChainLink
from enterprises.models import ChainLeaderRole, SupplierLink
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, demo_users):
    client.force_login(demo_users["city_staff"])
    return client


def test_pages_need_login(client, nev):
    response = client.get(reverse("chains:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_chain_list_shows_every_chain_with_its_gaps(staff_client, nev):
    response = staff_client.get("/chains/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="chain-card"') == 10
    assert reverse("chains:detail", args=[nev.pk]) in response.content.decode()


def test_map_highlights_gaps_and_passes_graph_data_without_inline_script(
    staff_client, nev, link, nev_park, make_enterprise
):
    make_enterprise("晋中锂电有限公司", link=link("动力电池"), park=nev_park)
    html = staff_client.get(f"/chains/{nev.pk}/").content.decode()
    assert 'data-link="动力电池" data-gap="0"' in html
    assert 'data-link="充换电与加注" data-gap="1"' in html
    assert 'id="chain-graph-data" type="application/json"' in html
    assert "晋中锂电有限公司" in html
    inline = [
        s
        for s in re.findall(r"<script([^>]*)>", html)
        if "src=" not in s and "application/json" not in s
    ]
    assert inline == []


def test_map_filters_by_region_code_and_park(
    staff_client, nev, link, region, nev_park, make_enterprise
):
    make_enterprise("晋中锂电有限公司", link=link("动力电池"), park=nev_park)
    by_region = staff_client.get(f"/chains/{nev.pk}/", {"region": "140702"}).content.decode()
    assert 'data-link="动力电池" data-gap="1"' in by_region
    by_park = staff_client.get(f"/chains/{nev.pk}/", {"park": nev_park.pk}).content.decode()
    assert 'data-link="动力电池" data-gap="0"' in by_park


def test_map_shows_indicators_against_target(staff_client, reference_data):
    from core.models import IndustryChain

    methanol = IndustryChain.objects.get(code="methanol")
    indicator = services.indicator_save(
        by=None, chain=methanol, name="甲醇加注站", unit="座", target_value="100", target_year=2025
    )
    services.indicator_reading_record(by=None, indicator=indicator, year=2023, value="28")
    html = staff_client.get(f"/chains/{methanol.pk}/").content.decode()
    assert "甲醇加注站" in html and "28.0%" in html


def test_city_staff_edit_links_and_county_staff_may_not(client, staff_client, nev, demo_users):
    links = list(nev.links.order_by("sort_order", "name"))
    data = {
        "form-TOTAL_FORMS": len(links) + 1,
        "form-INITIAL_FORMS": len(links),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for i, lk in enumerate(links):
        data.update(
            {
                f"form-{i}-id": lk.pk,
                f"form-{i}-name": lk.name,
                f"form-{i}-position": lk.position,
                f"form-{i}-parent": lk.parent_id or "",
                f"form-{i}-sort_order": lk.sort_order,
            }
        )
    parent = nev.links.get(name="汽车零部件")
    n = len(links)
    data.update(
        {
            f"form-{n}-name": "热管理系统",
            f"form-{n}-position": "upstream",
            f"form-{n}-parent": parent.pk,
            f"form-{n}-sort_order": 5,
        }
    )
    response = staff_client.post(f"/chains/{nev.pk}/links/", data)
    assert response.status_code == 302
    assert ChainLink.objects.get(chain=nev, name="热管理系统").parent == parent

    client.force_login(demo_users["yuci_staff"])
    assert client.get(f"/chains/{nev.pk}/links/").status_code == 403


def test_link_cannot_be_its_own_ancestor(nev, demo_users):
    from django.core.exceptions import ValidationError

    parts = nev.links.get(name="汽车零部件")
    child = nev.links.get(name="车身与底盘")
    with pytest.raises(ValidationError):
        services.chain_link_save(
            by=demo_users["city_staff"],
            chain=nev,
            link=parts,
            name=parts.name,
            position=parts.position,
            parent=child,
        )


def test_target_added_and_converted_through_the_pages(staff_client, nev, link, region):
    gap = link("充换电与加注")
    response = staff_client.post(
        f"/chains/{nev.pk}/targets/",
        {
            "link": gap.pk,
            "name": "青岛智充新能源科技有限公司",
            "priority": 1,
            "origin": "山东青岛",
            "notes": "",
        },
    )
    assert response.status_code == 302
    target = ChainTarget.objects.get(name="青岛智充新能源科技有限公司")
    assert target.owner.username == "city_staff", (
        "an unassigned target belongs to whoever listed it"
    )

    page = staff_client.get(f"/chains/targets/{target.pk}/convert/")
    assert page.status_code == 200
    token = page.context["form"].initial["token"]
    response = staff_client.post(
        f"/chains/targets/{target.pk}/convert/",
        {"region": region("JZKFQ").pk, "planned_investment": "3500万", "token": token},
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.chain_link == gap and project.planned_investment == 3500
    target.refresh_from_db()
    assert target.status == "converted" and target.project == project


def test_read_only_roles_see_targets_but_cannot_convert(client, link, demo_users):
    target = services.target_create(
        by=demo_users["city_staff"], link=link("充换电与加注"), name="某公司"
    )
    client.force_login(demo_users["leader"])
    html = client.get(f"/chains/{target.link.chain_id}/targets/").content.decode()
    assert "某公司" in html and "/convert/" not in html
    assert client.post(f"/chains/targets/{target.pk}/convert/", {}).status_code == 403


def test_leader_page_shows_rate(staff_client, nev, link, nev_park, make_enterprise):
    geely = make_enterprise("吉利汽车晋中基地", link=link("乘用车"), park=nev_park)
    ChainLeaderRole.objects.create(enterprise=geely, chain=nev, level="provincial")
    local = make_enterprise("晋中锂电", park=nev_park)
    outside = make_enterprise("宁德电芯", local=False)
    SupplierLink.objects.create(supplier=local, leader=geely, link=link("动力电池"), is_local=True)
    SupplierLink.objects.create(
        supplier=outside, leader=geely, link=link("动力电池"), is_local=False
    )
    html = staff_client.get(f"/chains/leaders/{geely.pk}/").content.decode()
    assert 'data-testid="local-rate">50.0%' in html


def test_map_page_query_count_does_not_grow_with_the_chain(
    staff_client,
    nev,
    link,
    region,
    nev_park,
    make_enterprise,
    make_project,
    django_assert_max_num_queries,
):
    for i, name in enumerate(["动力电池", "电机电控", "汽车电子", "乘用车", "专用车"]):
        make_enterprise(f"晋中企业{i}", link=link(name), park=nev_park)
        make_project(f"项目{i}", link=link(name), region=region("JZKFQ"), stage="signed")
    with django_assert_max_num_queries(20):
        assert staff_client.get(f"/chains/{nev.pk}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert staff_client.get("/chains/").status_code == 200
