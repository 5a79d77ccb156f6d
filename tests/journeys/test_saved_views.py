"""Saved views (issue 23): a 榆次 clerk filters the project list, sorts it by a column header,
saves the view and shares it with the region; a colleague of the region opens it from the tabs
and sees the same projects in the same order; on a 390 px phone the results start on the first
screen and each row is a card. The enterprise and event lists sort by a header and are cards on the
phone too."""

import pytest
from playwright.sync_api import expect

from .test_clerk import _tag

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _logout(user) -> None:
    user.click(user.page.get_by_role("button", name="退出"))
    user.page.wait_for_load_state()


def _row_names(page) -> list[str]:
    return [n.strip() for n in page.get_by_test_id("row-name").all_inner_texts()]


def test_clerk_saves_a_sorted_view_shares_it_and_a_colleague_opens_it_on_a_phone(user):
    page = user.page
    page.set_viewport_size({"width": 1366, "height": 900})
    user.login("yuci_staff")
    user.menu("招商项目")
    # The order is said in words before anything is sorted.
    expect(page.get_by_test_id("sort-words")).to_contain_text("按登记日期(最新在前)")

    search = page.get_by_role("search")
    user.choose(search.get_by_label("阶段", exact=True), label="签约")
    user.follow(search.get_by_role("button", name="筛选", exact=True))
    amount = page.locator("thead").get_by_role("link", name="投资额(万元)")
    user.follow(amount)
    expect(page.get_by_test_id("sort-words")).to_contain_text("计划投资(降序)")
    expect(page.locator("thead th[aria-sort=descending]")).to_contain_text("投资额(万元)↓")
    names = _row_names(page)
    assert names, "the demo has signed 榆次区 projects"
    for stage in page.get_by_test_id("row-stage").all_inner_texts():
        assert "签约" in stage

    name = f"榆次签约按投资{_tag()}"
    user.click(page.get_by_test_id("save-view-open"))
    save = page.locator("#save-view")
    user.type(save.get_by_label("视图名称"), name)
    user.follow(save.get_by_role("button", name="保存", exact=True))
    expect(page.get_by_role("alert").first).to_contain_text("已保存")
    tab = page.get_by_test_id("view-tab").filter(has_text=name)
    expect(tab).to_have_attribute("aria-current", "page")

    # Shared with the region from the open view's own controls.
    user.click(page.get_by_role("button", name="重命名或共享"))
    edit = page.locator("#edit-view")
    user.choose(edit.get_by_label("共享范围"), label="本地区")
    user.follow(edit.get_by_role("button", name="保存", exact=True))
    expect(page.get_by_test_id("view-tab").filter(has_text=name)).to_contain_text("本地区")
    assert _row_names(page) == names
    _logout(user)

    # A colleague of 榆次区 finds it among the tabs and sees the same list, in the same order.
    user.login("yuci_official")
    user.menu("招商项目")
    user.follow(page.get_by_test_id("view-tab").filter(has_text=name))
    expect(page.get_by_test_id("active-view")).to_contain_text(name)
    expect(page.locator("thead th[aria-sort=descending]")).to_contain_text("投资额(万元)")
    assert _row_names(page) == names

    # On a phone: the same view, results on the first screen, each project a card.
    page.set_viewport_size(PHONE)
    user.follow(page.get_by_test_id("view-tab").filter(has_text=name))
    first = page.get_by_test_id("project-row").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box
    expect(page.locator("thead").first).to_be_hidden()
    assert first.evaluate("el => getComputedStyle(el).display") == "block"
    assert box["width"] > PHONE["width"] * 0.8, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _row_names(page) == names

    # The enterprise and event lists sort by a column header too, and are cards on the phone.
    for menu, header, row in (
        ("企业", "产值(亿元)", "enterprise-row"),
        ("招商活动", "签约金额(亿元)", "event-row"),
    ):
        page.set_viewport_size({"width": 1366, "height": 900})
        user.menu(menu)
        user.follow(page.locator("thead").get_by_role("link", name=header))
        expect(page.locator("thead th[aria-sort=descending]")).to_contain_text(header)
        page.set_viewport_size(PHONE)
        first = page.get_by_test_id(row).first
        expect(first).to_be_visible()
        expect(page.locator("thead").first).to_be_hidden()
        assert first.evaluate("el => getComputedStyle(el).display") == "block", menu
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], menu
