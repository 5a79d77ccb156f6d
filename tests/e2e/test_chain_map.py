"""Browser: the NEV chain map highlights a gap, and a target for it becomes a lead."""

import re

import pytest
from playwright.sync_api import expect

from chains import services
from core.models import IndustryChain, Region
from enterprises import services as enterprise_services
from enterprises.models import ChainLeaderRole, IndustrialPark
from projects.models import Project
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nev_chain(demo_users):
    """A small NEV picture: Geely on 乘用车 in its park, one battery maker, one target on a gap."""
    nev = IndustryChain.objects.get(code="nev")
    park = IndustrialPark.objects.create(
        name="晋中新能源汽车产业园", region=Region.objects.get(code="JZKFQ")
    )
    links = {link.name: link for link in nev.links.all()}
    geely = enterprise_services.enterprise_create(
        name="吉利汽车晋中基地",
        is_local=True,
        region=park.region,
        park=park,
        main_chain=nev,
        main_link=links["乘用车"],
    )
    ChainLeaderRole.objects.create(enterprise=geely, chain=nev, level="provincial")
    enterprise_services.enterprise_create(
        name="晋中锂能动力电池有限公司",
        is_local=True,
        region=park.region,
        park=park,
        main_chain=nev,
        main_link=links["动力电池"],
    )
    services.target_create(
        by=demo_users["city_staff"],
        link=links["充换电与加注"],
        name="青岛智充新能源科技有限公司",
        origin="山东青岛",
        priority=1,
    )
    return nev


def test_nev_map_shows_a_gap_and_a_target_becomes_a_lead(page, live_server, nev_chain):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/chains/")
    page.get_by_role("link", name="新能源汽车").first.click()
    expect(page).to_have_url(re.compile(rf"/chains/{nev_chain.pk}/$"))

    # The graph is drawn (a canvas inside the chart) and the table marks the gap.
    expect(page.locator("#chain-graph canvas")).to_have_count(1)
    gap_row = page.locator('tr[data-link="充换电与加注"]')
    expect(gap_row).to_have_attribute("data-gap", "1")
    expect(gap_row).to_have_class(re.compile("chain-gap"))
    expect(gap_row.get_by_test_id("gap-badge")).to_have_text("缺失环节")
    expect(page.locator('tr[data-link="动力电池"]')).to_have_attribute("data-gap", "0")
    expect(page.get_by_test_id("chain-leaders")).to_contain_text("吉利汽车晋中基地")
    assert errors == []

    gap_row.get_by_role("link").last.click()
    target = page.locator('[data-testid="target-row"][data-target="青岛智充新能源科技有限公司"]')
    target.get_by_role("link", name="转为线索").click()

    page.get_by_label("跟进的县(市、区)").select_option(label="晋中开发区")
    page.get_by_label("计划投资(万元)").fill("2.5亿")
    page.get_by_role("button", name="生成线索").click()
    expect(page.get_by_role("alert").first).to_contain_text("青岛智充新能源科技有限公司")

    project = Project.objects.get()
    assert project.chain_link.name == "充换电与加注"
    assert project.planned_investment == 25000
    page.goto(f"{live_server.url}/chains/{nev_chain.pk}/targets/")
    expect(target.get_by_test_id("target-status")).to_contain_text("已转为线索")
