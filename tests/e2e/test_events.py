"""A city clerk records an event with two signings and sees the event's total."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.models import Region
from demo.events_demo import load_event_kinds
from enterprises import services as enterprise_services
from projects import services as project_services
from projects.models import Project, Stage
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_records_an_event_with_two_signings_and_sees_the_total(page, live_server, demo_users):
    load_event_kinds()
    investor = enterprise_services.enterprise_create(name="浙江驰远电驱动有限公司")
    for name, amount in (("电机电控总成项目", "180000"), ("新能源专用车项目", "150000")):
        project_services.project_create(
            by=None,
            name=name,
            investor=investor,
            region=Region.objects.get(code="JZKFQ"),
            planned_investment=Decimal(amount),
            stage=Stage.NEGOTIATING,
            registered_on=dt.date(2023, 1, 2),
            negotiating_on=dt.date(2023, 1, 5),
        )

    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("link", name="新建活动").click()
    page.select_option("#id_kind", label="推介会")
    page.fill("#id_title", "新能源汽车产业链招商推介会")
    page.fill("#id_start_on", "2023-02-03")
    page.fill("#id_place_city", "太原市")
    page.select_option("#id_organisers", label="晋中市")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text("新能源汽车产业链招商推介会")

    page.get_by_role("link", name="录入签约").click()
    page.select_option("#id_s-0-project", label="电机电控总成项目 · 晋中开发区")
    page.select_option("#id_s-1-project", label="新能源专用车项目 · 晋中开发区")
    page.fill("#id_s-1-amount", "16亿")
    page.get_by_role("button", name="保存签约").click()

    expect(page.get_by_test_id("signing-count")).to_have_text("2")
    expect(page.get_by_test_id("signing-total")).to_have_text("34.00")
    expect(page.get_by_test_id("signings-table")).to_contain_text("电机电控总成项目")
    assert Project.objects.filter(stage=Stage.SIGNED, signed_on=dt.date(2023, 2, 3)).count() == 2
