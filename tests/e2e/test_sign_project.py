"""A city clerk signs a lead from its own page, at a promotion event, and sees it signed."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.models import Region
from demo.events_demo import load_event_kinds
from enterprises import services as enterprise_services
from events import services as event_services
from events.models import EventKind
from projects import services as project_services
from projects.models import Stage
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_signs_a_lead_at_an_event_from_the_project_page(page, live_server, demo_users):
    today = project_services.today()
    load_event_kinds()
    project_services.project_create(
        by=None,
        name="榆次氢能重卡配套项目",
        investor=enterprise_services.enterprise_create(name="北京氢动力科技有限公司"),
        region=Region.objects.get(code="140702"),
        planned_investment=Decimal("25000"),
        stage=Stage.LEAD,
        registered_on=today - dt.timedelta(days=30),
    )
    event_services.event_create(
        by=None,
        kind=EventKind.objects.get(code="conference"),
        title="氢能产业链招商推介会",
        start_on=today,
        place_city="太原市",
        organisers=[Region.objects.get(code="140700")],
    )

    login(page, live_server, "city_staff")
    page.get_by_role("link", name=re.compile("招商项目")).first.click()
    page.get_by_role("link", name="榆次氢能重卡配套项目").click()
    expect(page.locator("h1")).to_have_text("榆次氢能重卡配套项目")

    page.get_by_role("link", name="直接签约").click()
    expect(page.locator("h1")).to_have_text("项目签约")
    expect(page.locator("#id_amount")).to_have_value("25000")
    page.fill("#id_signed_on", today.isoformat())
    page.fill("#id_amount", "2.4亿")
    page.select_option("#id_agreement_kind", label="框架协议")
    page.select_option("#id_event", label=f"{today:%Y-%m-%d} 氢能产业链招商推介会")
    page.get_by_role("button", name="确认签约").click()

    expect(page.locator("h1")).to_have_text("榆次氢能重卡配套项目")
    expect(page.get_by_role("alert").first).to_contain_text("已录入“榆次氢能重卡配套项目”的签约")
    expect(page.locator(".badge.stage-signed")).to_have_text("签约")
    expect(page.get_by_test_id("timeline")).to_contain_text(today.isoformat())
    signings = page.get_by_test_id("project-signings")
    expect(signings).to_contain_text("24,000.00")
    expect(signings).to_contain_text("框架协议")
    signings.get_by_role("link", name="氢能产业链招商推介会").click()
    expect(page.locator("h1")).to_have_text("氢能产业链招商推介会")
