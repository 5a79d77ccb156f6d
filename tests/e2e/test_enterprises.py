"""Browser: a staff member records an enterprise and finds it again by its pinyin initials."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import login
from tests.enterprises.conftest import make_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_creates_an_enterprise_and_finds_it_by_initials(page, live_server, demo_users):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server, "yuci_staff")

    page.goto(f"{live_server.url}/enterprises/")
    page.get_by_role("link", name="新增企业").first.click()
    expect(page.locator("h1")).to_have_text("新增企业")

    # A typo in the credit code is caught, with the field's message, and nothing is saved.
    code = make_code("91140702MA0KQ3B")
    page.fill("#id_name", "晋中测试新材料<b>有限公司</b>")
    page.fill("#id_credit_code", code[:17] + ("0" if code[17] != "0" else "1"))
    page.select_option("#id_region", label="榆次区")
    page.get_by_role("button", name="保存").click()
    field = page.locator("#id_credit_code").locator("xpath=..")
    expect(field.locator(".invalid-feedback")).to_contain_text("校验码不正确")

    page.fill("#id_credit_code", code.lower())
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/enterprises/\d+/$"))
    expect(page.get_by_test_id("enterprise-name")).to_have_text("晋中测试新材料<b>有限公司</b>")
    expect(page.get_by_text(code, exact=True)).to_be_visible()
    detail_url = page.url

    # Found again by its pinyin initials: suggestions while typing, then the filtered list.
    page.goto(f"{live_server.url}/enterprises/")
    search = page.get_by_role("combobox", name="搜索")  # a search box with suggestions
    search.press_sequentially("jzcs", delay=30)
    expect(page.locator("#enterprise-suggestions option")).to_have_count(1)
    expect(page.locator("#enterprise-suggestions option")).to_have_attribute(
        "value", "晋中测试新材料<b>有限公司</b>"
    )
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=jzcs"))
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 家企业")
    page.get_by_role("link", name="晋中测试新材料<b>有限公司</b>").click()
    expect(page).to_have_url(detail_url)
    assert dialogs == []  # the markup in the name never ran


def test_yearly_figures_with_units_draw_the_chart(page, live_server, demo_users):
    from enterprises import services

    e = services.enterprise_create(name="图表测试公司")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/enterprises/{e.pk}/figures/")
    page.select_option("#id_year", "2022")
    page.fill("#id_output_value", "3.5亿")
    page.fill("#id_revenue", "3500万")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{e.pk}/#figures$"))
    expect(page.get_by_test_id("figures-table")).to_contain_text("35,000.00")
    expect(page.locator("#output-chart svg")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("亿元级")
    assert errors == []
