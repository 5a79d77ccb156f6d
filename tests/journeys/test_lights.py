"""亮灯 and 督办 (issue 20): city staff change the signed→started limit and see 安泰's light change;
a county clerk answers a 督办 item with an attachment and records the project's start; city staff
close the item; the county official sees the red count drop on the dashboard."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ANTAI = "安泰集团60万吨金属制品项目"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _logout(user) -> None:
    user.click(user.page.get_by_role("button", name="退出"))
    user.page.wait_for_load_state()


def _open_project(user, name: str) -> None:
    page = user.page
    user.menu("招商项目")
    user.type(page.get_by_label("搜索"), name)
    user.click(page.get_by_role("search").get_by_role("button", name="筛选", exact=True))
    user.follow(page.get_by_role("link", name=name, exact=True).first)


def _red_count(user) -> int:
    card = user.page.locator('[data-testid=light-card][data-region="140702"]')
    return int(card.get_by_test_id("light-red").inner_text().strip())


def test_limit_change_answer_close_and_the_red_count_drops(user, tmp_path):
    page = user.page
    # The county official's dashboard: how many 榆次区 projects are over the limit, not started.
    user.login("yuci_official")
    expect(page.get_by_test_id("light-cards")).to_be_visible()
    before = _red_count(user)
    assert before >= 1
    _logout(user)

    # City staff: 安泰's project (signed 2023-02-03, not started) is red, judged by 180 days.
    user.login("city_staff")
    _open_project(user, ANTAI)
    expect(page.get_by_test_id("light-chip")).to_have_text("红灯")
    expect(page.get_by_test_id("light-reason")).to_contain_text("180 天")
    expect(page.get_by_test_id("light-reason")).to_contain_text("2023-08-02")
    user.menu("督办")
    user.follow(page.get_by_test_id("light-rules-link"))
    row = page.get_by_test_id("rule-row").filter(has_text="签约→开工").first
    user.follow(row.get_by_role("link", name="修改"))
    # A red limit shorter than the yellow one is refused, nothing saved.
    user.type(page.get_by_label("黄灯时限(天)"), "200")
    user.type(page.get_by_label("红灯时限(天)"), "190")
    user.click(page.get_by_role("button", name="保存为新版本"))
    expect(page.get_by_text("红灯时限必须长于黄灯时限")).to_be_visible()
    user.type(page.get_by_label("黄灯时限(天)"), "170")
    user.type(page.get_by_label("红灯时限(天)"), "200")
    user.click(page.get_by_role("button", name="保存为新版本"))
    expect(page.get_by_text("全部亮灯已重新计算")).to_be_visible()
    expect(page.get_by_test_id("rule-row").filter(has_text="签约→开工").first).to_contain_text("v2")
    _open_project(user, ANTAI)
    expect(page.get_by_test_id("light-reason")).to_contain_text("200 天")
    expect(page.get_by_test_id("light-reason")).to_contain_text("2023-08-22")
    _logout(user)

    # The county clerk answers a 督办 item with evidence, then records the project's start.
    user.login("yuci_staff")
    user.menu("督办")
    first = page.get_by_test_id("supervision-row").filter(has_text="待答复").first
    link = first.get_by_role("link").first
    project_name = link.inner_text().strip()
    user.follow(link)
    form = page.get_by_test_id("answer-form")
    user.type(form.get_by_label("答复"), "用地手续已办结,项目已开工,附开工照片。")
    evidence = tmp_path / "开工照片.pdf"
    evidence.write_bytes(PDF)
    form.get_by_label("佐证材料", exact=False).set_input_files(str(evidence))
    user.click(form.get_by_role("button", name="提交答复"))
    expect(page.get_by_test_id("supervision-status")).to_have_text("已答复")
    expect(page.get_by_test_id("evidence-link")).to_have_text("开工照片.pdf")
    user.follow(page.get_by_role("link", name=project_name, exact=True).first)
    user.click(page.get_by_role("button", name="推进到“开工”"))
    stage_form = page.locator("#stage-started")
    user.type(stage_form.get_by_label("节点日期", exact=False), "2026-11-30")
    user.click(stage_form.get_by_role("button", name="确认"))
    expect(page.get_by_test_id("stage")).to_have_text("开工")
    _logout(user)

    # City staff close the answered item.
    user.login("city_staff")
    user.menu("督办")
    user.choose(page.get_by_role("search").get_by_label("状态"), value="answered")
    user.click(page.get_by_role("search").get_by_role("button", name="筛选"))
    user.follow(
        page.get_by_test_id("supervision-row")
        .filter(has_text=project_name)
        .get_by_role("link")
        .first
    )
    expect(page.get_by_test_id("supervision-answer")).to_contain_text("项目已开工")
    review = page.get_by_test_id("review-form")
    user.choose(review.get_by_label("裁定", exact=False), value="closed")
    user.click(review.get_by_role("button", name="保存处理意见"))
    expect(page.get_by_test_id("supervision-status")).to_have_text("已办结")
    _logout(user)

    # The county official: one fewer project over the limit (the refresh may run on a worker).
    user.login("yuci_official")
    deadline = time.monotonic() + 30
    while _red_count(user) != before - 1 and time.monotonic() < deadline:
        page.reload()
    assert _red_count(user) == before - 1
    assert re.search(r"\d", page.get_by_test_id("light-cards").inner_text())
