"""County staff (`yuci_staff`, 榆次区): the clerk's work inside their county; nothing they can click,
search or autocomplete leads to another county's project; every menu item they see works."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from .test_clerk import _list_totals, _tag, log_lead

pytestmark = pytest.mark.e2e

MENU_LINKS = "#navbar-menu a.nav-link, #navbar-menu a.dropdown-item"  # the bar and 更多
PROJECT_LINK = re.compile(r"^(https?://[^/]+)?/projects/\d+/$")


def test_county_clerk_logs_and_signs_a_lead_in_their_county(user):
    page = user.page
    user.login("yuci_staff")
    name = f"榆次区配套项目{_tag()}"
    # No region to choose: it is theirs.
    log_lead(
        user, name=name, investor=f"天津{_tag()}汽车零部件有限公司", region=None, amount="8000"
    )
    assert user.interactions <= 8, user.interactions
    expect(page.get_by_test_id("project-region")).to_contain_text("榆次区")

    user.follow(page.get_by_test_id("sign-project"))
    form = page.get_by_test_id("signing-form")
    user.type(form.get_by_label("签约日期"), date.today().isoformat())
    user.type(form.get_by_label("签约金额", exact=False), "7500")
    user.follow(page.get_by_test_id("save-signing"))
    expect(page.get_by_test_id("stage")).to_have_text("签约")


def test_county_clerk_sees_only_their_county_in_lists_search_and_links(user):
    page = user.page
    user.login("yuci_staff")
    user.menu("招商项目")
    # The region filter offers nothing else to pick a view into another county.
    regions = page.get_by_role("search").get_by_label("地区", exact=True)
    offered = [o.strip() for o in regions.locator("option").all_inner_texts()]
    assert set(offered) <= {"全部", "榆次区"}, offered
    for row_region in page.get_by_test_id("row-region").all_inner_texts():
        assert row_region.strip() == "榆次区"

    # Searching another county's projects by name or investor finds nothing.
    for other in ("安泰", "平遥牛肉", "吉利"):
        user.type(page.get_by_label("搜索"), other)
        user.follow(page.get_by_role("search").get_by_role("button", name="筛选", exact=True))
        count, _ = _list_totals(page)
        for row_region in page.get_by_test_id("row-region").all_inner_texts():
            assert row_region.strip() == "榆次区", (other, row_region)
        assert (
            count == str(len(page.get_by_test_id("row-region").all_inner_texts()))
            or int(count) > 25
        )

    # Every project link on every page of the menu opens a 榆次区 project.
    menu = page.locator(MENU_LINKS)
    labels = [t.strip() for t in menu.all_inner_texts()]
    seen: set[str] = set()
    for label in labels:
        user.menu(label)
        links = page.locator("main a[href], .page-body a[href]")
        hrefs = {h for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))") if h}
        for href in sorted(h for h in hrefs if PROJECT_LINK.match(h))[:8]:
            if href in seen:
                continue
            seen.add(href)
            page.locator(f"a[href='{href}']").first.click()
            expect(page.get_by_test_id("project-region")).to_contain_text("榆次区")
            page.go_back()


def test_every_menu_item_a_role_sees_it_may_use(user):
    page = user.page
    for username in ("yuci_staff", "yuci_official", "leader", "city_staff"):
        user.login(username)
        labels = [t.strip() for t in page.locator(MENU_LINKS).all_inner_texts()]
        assert labels, username
        for label in labels:
            user.menu(label)
            heading = page.locator("h1").first.inner_text()
            assert heading not in ("无权操作", "页面不存在"), (username, label)
            assert "403" not in page.locator(".empty-title").all_inner_texts(), (username, label)
        page.get_by_role("button", name="退出").click()
