"""Global search from the header (issue 23): a county clerk on some page types "jl", picks 吉利 with
the keyboard and lands on it; another county's confidential project stays unfindable by its name,
its investor's pinyin and credit code, and its contact's mobile."""

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(first17: str) -> str:
    """A valid unified social credit code (GB 32100-2015 check character)."""
    total = sum(_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + _ALPHABET[(31 - total % 31) % 31]


def _header_search(page, text: str) -> None:
    """Type into the header's box and wait until the dropdown answers this text."""
    box = page.get_by_label("全站查找")
    box.fill(text)
    results = page.get_by_test_id("global-search-results")
    expect(results).to_be_visible()
    # The answer to this text, not the one to what was typed before.
    expect(results.get_by_test_id("search-answer")).to_have_attribute("data-query", text)
    expect(box).to_have_attribute("aria-expanded", "true")


def _log_confidential_lead(user, *, name: str, investor: str, code: str, mobile: str) -> None:
    page = user.page
    user.menu("招商项目")
    user.follow(page.get_by_role("link", name="新增线索"))
    user.type(page.get_by_label("项目名称"), name)
    user.type(page.get_by_label("投资方"), investor)
    user.type(page.get_by_label("统一社会信用代码"), code)
    user.type(page.get_by_label("计划投资(万元)"), "60000")
    user.type(page.get_by_label("联系人手机"), mobile)
    user.follow(page.get_by_role("button", name="保存线索"))
    expect(page.locator("h1")).to_have_text(name)
    user.follow(page.get_by_role("link", name="编辑", exact=True))
    user.click(page.get_by_label("保密"))
    user.follow(page.get_by_role("button", name="保存", exact=True))
    expect(page.locator("h1")).to_have_text(name)


def test_county_clerk_finds_geely_by_jl_from_the_header_but_never_another_countys_secret(user):
    page = user.page
    tag = uuid.uuid4().hex[:6].upper()
    secret = f"太谷氢能重卡保密项目{tag}"
    investor = f"上海氢途{tag}动力科技有限公司"
    code = _credit_code(f"91310000MA{tag}X")
    mobile = f"139{int(tag, 16) % 10**8:08d}"

    # 太谷区 logs a confidential lead, and finds it from the header by its credit code.
    user.login("taigu_staff")
    _log_confidential_lead(user, name=secret, investor=investor, code=code, mobile=mobile)
    _header_search(page, code)
    expect(page.get_by_test_id("search-group-projects")).to_contain_text(secret)
    page.get_by_role("button", name="退出").click()

    # 榆次区's clerk, on the events page, types "jl" and picks 吉利 with ↓ and Enter.
    user.login("yuci_staff")
    user.menu("招商活动")
    _header_search(page, "jl")
    geely = page.get_by_role("option", name=re.compile("吉利汽车晋中基地"))
    expect(geely).to_be_visible()
    box = page.get_by_label("全站查找")
    for _ in range(30):
        box.press("ArrowDown")
        if geely.get_attribute("aria-selected") == "true":
            break
    expect(geely).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state()  # its scripts have run: the header box is live
    expect(page.get_by_test_id("enterprise-name")).to_have_text("吉利汽车晋中基地")

    # The other county's confidential project: not by its name, its investor's name, pinyin or
    # initials, its credit code or its contact's mobile — in the dropdown or on the results page.
    for text in (secret, "氢能重卡保密", investor, "shanghaiqingtu", "shqt", code, mobile):
        _header_search(page, text)
        dropdown = page.get_by_test_id("global-search-results")
        # (The dropdown repeats what was typed; no suggestion may name the project.)
        expect(dropdown.get_by_role("option").filter(has_text="氢能重卡保密")).to_have_count(0)
        expect(dropdown.get_by_test_id("search-group-projects")).to_have_count(0)
    # Enter with nothing picked: the full results page says the same.
    with page.expect_navigation():
        page.get_by_label("全站查找").press("Enter")
    page.wait_for_load_state()  # its scripts have run: the header box is live
    expect(page.locator("h1")).to_have_text("查找结果")
    expect(page.get_by_test_id("search-group-projects")).to_have_count(0)
    expect(
        page.locator(".page-body .list-group-item").filter(has_text="氢能重卡保密")
    ).to_have_count(0)
