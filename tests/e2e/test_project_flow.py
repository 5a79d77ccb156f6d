"""A county clerk logs a lead, signs it with a date, and finds it in the filtered list with its total."""

import re

import pytest
from playwright.sync_api import expect

from projects import services
from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_log_a_lead_sign_it_and_find_it_in_the_filtered_list(page, live_server, demo_users):
    login(page, live_server, "yuci_staff")
    page.get_by_role("link", name="+ 新增线索").first.click()
    page.fill("#id_name", "榆次区氢能重卡配套项目")
    page.fill("#id_investor_name", "北京氢动力科技有限公司")
    page.select_option("#id_region", label="榆次区")
    page.select_option("#id_chain", label="新能源汽车")
    page.fill("#id_planned_investment", "2.5亿")
    page.fill("#id_contact_name", "王总")
    page.fill("#id_contact_mobile", "13800138000")
    page.get_by_test_id("save-lead").click()

    expect(page.locator("h1")).to_have_text("榆次区氢能重卡配套项目")
    expect(page.get_by_role("alert").first).to_contain_text("线索“榆次区氢能重卡配套项目”已保存")
    expect(page.get_by_test_id("planned-investment")).to_have_text("25,000.00")

    page.get_by_role("link", name="直接签约").click()
    today = services.today().isoformat()
    page.fill("#id_signed_on", today)
    page.get_by_role("button", name="确认签约").click()
    expect(page.get_by_role("alert").first).to_contain_text("已录入“榆次区氢能重卡配套项目”的签约")
    expect(page.get_by_test_id("timeline")).to_contain_text(today)

    page.goto(
        f"{live_server.url}/projects/?region=140702&stage=signed&signed_from={today}&signed_to={today}"
    )
    expect(page.get_by_role("link", name="榆次区氢能重卡配套项目")).to_be_visible()
    expect(page.get_by_test_id("total-count")).to_have_text("1")
    expect(page.get_by_test_id("total-amount")).to_have_text("2.50")


def test_project_list_is_usable_at_phone_width(page, live_server, demo_users):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator("h1")).to_have_text("招商项目")
    # Nothing wider than the screen: the table scrolls inside its card, the page does not.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    expect(page.locator(".navbar-toggler")).to_be_visible()
    page.locator(".navbar-toggler").click()
    expect(page.get_by_role("link", name=re.compile("招商项目")).first).to_be_visible()
