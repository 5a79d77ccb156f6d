"""Journey 2 of issue 21: city staff lock 2023 Q1; a county clerk moves a Q1 signing out of the
quarter, which is refused until a correction reason is given; the locked 39 / 356.69亿元 stay on
the dashboard and in the API (`as_locked=1`); the correction is listed on the period's page. The
administrator then unlocks it with a reason and the clerk puts the date back, so the demo's 2023
figures are as other journeys expect them."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _q1_dashboard(user) -> None:
    page = user.page
    user.menu("数据看板")
    picker = page.get_by_test_id("period-picker")
    user.choose(picker.get_by_label("年份"), value="2023")
    user.choose(picker.get_by_label("季度"), value="1")
    user.follow(picker.get_by_role("button", name="查询"))
    expect(page.get_by_test_id("period-label")).to_contain_text("2023")


def _api_q1(stack) -> dict:
    """The README's API client: a token for api_reader, then the 2023 Q1 totals as locked."""

    def call(path: str, data: dict | None = None, token: str = "") -> dict:
        request = urllib.request.Request(  # noqa: S310 (the stack under test)
            stack.url + path,
            data=json.dumps(data).encode() if data is not None else None,
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Token {token}"} if token else {}),
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our stack)
            return json.load(response)

    token = call("/api/v1/auth/token/", {"username": "api_reader", "password": "demo12345"})
    return call("/api/v1/rollups/?year=2023&quarter=1&as_locked=1", token=token["token"])


def _logout(user) -> None:
    user.page.get_by_role("button", name="退出").click()
    user.page.wait_for_load_state()


def test_city_staff_lock_q1_a_clerk_corrects_a_signing_and_the_locked_figures_stay(user):
    page = user.page

    # 1. City staff open 2023 Q1 on the dashboard and lock the quarter.
    user.login("city_staff")
    _q1_dashboard(user)
    expect(page.get_by_test_id("kpi-signed_count")).to_have_text("39")
    expect(page.get_by_test_id("kpi-signed_amount")).to_have_text("356.69")
    user.follow(page.get_by_test_id("locked-periods"))
    form = page.locator("form").filter(has=page.get_by_test_id("lock-submit"))
    user.choose(form.get_by_label("时段"), value="quarter")
    user.type(form.get_by_label("年份"), "2023")
    user.type(form.get_by_label("季度或月份"), "1")
    user.follow(page.get_by_test_id("lock-submit"))
    expect(page.get_by_test_id("lock-status")).to_contain_text("已锁定 于")
    expect(page.get_by_test_id("lock-signed-count")).to_have_text("39")
    expect(page.get_by_test_id("lock-signed-amount")).to_have_text("356.69")
    _logout(user)

    # 2. A 榆次 clerk opens a project signed in Q1 from the county's figure and moves its signing
    # date into April: refused without a reason, saved as a correction with one.
    user.login("yuci_staff")
    _q1_dashboard(user)
    expect(page.get_by_test_id("period-locked")).to_contain_text("已锁定 于")
    user.follow(page.get_by_test_id("county-name").get_by_role("link", name="榆次区"))
    user.follow(page.get_by_test_id("kpi-signed_count").get_by_role("link"))
    first = page.locator("table a[href*='/projects/']").first
    name = first.inner_text().strip()
    user.follow(first)
    user.follow(page.get_by_role("link", name="编辑", exact=True))
    signed_on = page.get_by_label("签约日期", exact=True)
    original = signed_on.input_value()
    assert original.startswith("2023-0"), original
    user.type(signed_on, "2023-04-15")
    user.follow(page.get_by_role("button", name="保存"))
    expect(page.get_by_role("alert").first).to_contain_text("尚未保存")
    expect(page.get_by_text("请填写更正原因")).to_be_visible()
    user.type(page.get_by_label("更正原因", exact=True), "合同签订日期录入有误")
    user.follow(page.get_by_role("button", name="保存"))
    expect(page.get_by_role("alert").first).to_contain_text("已保存")
    _logout(user)

    # 3. The locked figures stay on the dashboard and in the API.
    user.login("city_staff")
    _q1_dashboard(user)
    expect(page.get_by_test_id("kpi-signed_count")).to_have_text("39")
    expect(page.get_by_test_id("kpi-signed_amount")).to_have_text("356.69")
    expect(page.get_by_test_id("period-locked")).to_contain_text("已锁定 于")
    answer = _api_q1(user.stack)
    assert answer["results"][0]["signed_count"] == 39
    assert answer["results"][0]["signed_amount"] == "3566900.000000"
    assert answer["locked"][0]["label"].startswith("已锁定 于")

    # 4. The correction is listed on the period's page.
    user.follow(page.get_by_test_id("locked-periods"))
    user.follow(page.get_by_test_id("lock-open").first)
    row = page.get_by_test_id("correction-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("合同签订日期录入有误")
    _logout(user)

    # The administrator unlocks it (with a reason) and the clerk puts the date back: the demo's
    # 2023 figures are left as other journeys expect them.
    user.login("admin")
    user.menu("数据看板")
    user.follow(page.get_by_test_id("locked-periods"))
    user.follow(page.get_by_test_id("lock-open").first)
    user.type(page.get_by_label("解锁原因"), "旅程测试结束")
    user.follow(page.get_by_test_id("unlock-submit"))
    expect(page.get_by_test_id("lock-status")).to_contain_text("已解锁 于")
    _logout(user)
    user.login("yuci_staff")
    user.menu("招商项目")
    user.type(page.get_by_label("搜索"), name)
    user.follow(page.get_by_role("button", name="筛选", exact=True))
    user.follow(page.get_by_role("link", name=name).first)
    user.follow(page.get_by_role("link", name="编辑", exact=True))
    user.type(page.get_by_label("签约日期", exact=True), original)
    user.follow(page.get_by_role("button", name="保存"))
    expect(page.get_by_role("alert").first).to_contain_text("已保存")
    _logout(user)
    # Until the refresh has run (in the worker on PostgreSQL), the quarter reads 38.
    user.login("city_staff")
    _q1_dashboard(user)
    for _ in range(60):
        if page.get_by_test_id("kpi-signed_count").inner_text() == "39":
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_test_id("kpi-signed_count")).to_have_text("39")
