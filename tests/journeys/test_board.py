"""The clerk's pipeline board (`city_staff`): opened from the project list, a lead moved to 洽谈 with
a card's keyboard menu, a move that skips 签约 refused and snapped back, then the card dragged from
洽谈 to 签约 through the signing dialog — the columns' counts and sums move, and so does the city
dashboard's signed figure. On a 390 px phone the board shows one column, picked from a select or
swiped to."""

import re
import time
from datetime import date

import pytest
from playwright.sync_api import expect

from .test_clerk import _tag, log_lead

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _column(page, stage: str):
    return page.locator(f'[data-testid=board-column][data-stage="{stage}"]')


def _totals(page, stage: str) -> tuple[str, str]:
    column = _column(page, stage)
    return (
        column.get_by_test_id("col-count").inner_text().strip(),
        column.get_by_test_id("col-amount").inner_text().strip(),
    )


def _signed_count(user) -> int:
    user.menu("数据看板")
    return int(user.page.get_by_test_id("kpi-signed_count").inner_text().strip().replace(",", ""))


def _swipe(page, on, dx: int) -> None:
    """A finger's sideways swipe of `dx` px over `on`, as the touch screen sends it."""
    box = on.bounding_box()
    x, y = box["x"] + box["width"] / 2 - dx / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 5):
        point = {"x": x + dx * step / 4, "y": y + step}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _open_board_filtered_to(user, name: str) -> None:
    page = user.page
    user.menu("招商项目")
    user.follow(page.get_by_test_id("to-board"))
    expect(page.locator("h1")).to_have_text("项目看板")
    user.click(page.get_by_test_id("filter-toggle"))
    search = page.get_by_role("search")
    user.type(search.get_by_label("搜索"), name)
    user.follow(search.get_by_role("button", name="筛选", exact=True))


def test_clerk_drags_a_card_from_talks_to_signed_and_sees_the_columns_and_dashboard_move(user):
    page = user.page
    user.login("city_staff")
    signed_before = _signed_count(user)
    name = f"看板签约项目{_tag()}"
    log_lead(
        user, name=name, investor=f"苏州{_tag()}智能装备有限公司", region="榆次区", amount="2亿"
    )
    _open_board_filtered_to(user, name)
    today = date.today().isoformat()
    card = page.get_by_test_id("board-card").filter(has_text=name)
    expect(_column(page, "lead").get_by_test_id("board-card")).to_have_count(1)
    assert _totals(page, "lead") == ("1", "2.00")

    # 线索 → 洽谈 with the card's keyboard menu: the stage form in the dialog.
    user.click(card.get_by_test_id("card-move"))
    user.click(card.get_by_role("button", name="洽谈"))
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_be_visible()
    user.type(dialog.get_by_label("节点日期"), today)
    user.click(dialog.get_by_role("button", name="确认"))
    expect(dialog).to_be_hidden()
    expect(_column(page, "negotiating").get_by_test_id("col-count")).to_have_text("1")
    assert _totals(page, "lead") == ("0", "0.00")

    # 洽谈 → 开工 skips 签约: refused with the service's message; the card snaps back.
    card.drag_to(_column(page, "started"))
    expect(dialog).to_be_visible()
    user.type(dialog.get_by_label("节点日期"), today)
    user.click(dialog.get_by_role("button", name="确认"))
    expect(dialog).to_contain_text("不能跳过“签约”")
    user.click(dialog.get_by_role("button", name="取消"))
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("board-status")).to_contain_text("不能跳过“签约”")
    expect(_column(page, "negotiating").get_by_test_id("board-card")).to_have_count(1)
    expect(_column(page, "started").get_by_test_id("board-card")).to_have_count(0)

    # 洽谈 → 签约 by drag: the signing form (date, amount, agreement kind).
    card.drag_to(_column(page, "signed"))
    form = dialog.get_by_test_id("signing-form")
    expect(form).to_be_visible()
    user.type(form.get_by_label("签约日期"), today)
    user.type(form.get_by_label("签约金额", exact=False), "1.8亿")
    user.choose(form.get_by_label("协议类型"), label="正式合同")
    user.click(form.get_by_test_id("save-signing"))
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("board-status")).to_contain_text(name)
    expect(_column(page, "signed").get_by_test_id("col-count")).to_have_text("1")
    assert _totals(page, "signed") == ("1", "2.00")
    assert _totals(page, "negotiating") == ("0", "0.00")

    # The city dashboard's signed count of this year (refreshed by the rollups, maybe a worker).
    deadline = time.monotonic() + 60
    while (now := _signed_count(user)) != signed_before + 1 and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
    assert now == signed_before + 1, (signed_before, now)


def test_on_a_phone_the_board_shows_the_column_picked(user):
    page = user.page
    page.set_viewport_size(PHONE)
    user.login("city_staff")
    user.menu("招商项目")
    user.follow(page.get_by_test_id("to-board"))
    picker = page.get_by_label("显示阶段")
    expect(picker).to_be_visible()
    expect(_column(page, "lead")).to_be_visible()
    expect(_column(page, "signed")).to_be_hidden()
    user.choose(picker, value="signed")
    expect(_column(page, "signed")).to_be_visible()
    expect(_column(page, "lead")).to_be_hidden()
    card = _column(page, "signed").get_by_test_id("board-card").first
    expect(card).to_be_visible()
    assert card.bounding_box()["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Its menu opens within the screen (a phone cannot drag).
    user.click(card.get_by_test_id("card-move"))
    item = card.get_by_role("button", name="开工")
    expect(item).to_be_visible()
    box = item.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert re.search(r"签约", picker.evaluate("el => el.selectedOptions[0].text"))
    # Swiped: right to left shows the next stage, left to right the one before.
    user.click(_column(page, "signed").locator("header"))  # folds the card's menu
    _swipe(page, _column(page, "signed").locator("header"), -200)
    expect(_column(page, "started")).to_be_visible()
    expect(_column(page, "signed")).to_be_hidden()
    assert picker.evaluate("el => el.value") == "started"
    _swipe(page, _column(page, "started").locator("header"), 200)
    expect(_column(page, "signed")).to_be_visible()
    assert picker.evaluate("el => el.value") == "signed"
