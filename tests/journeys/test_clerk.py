"""The city investment-service clerk (`city_staff`): log a lead, sign it, find it with the list's own
filter form, export the list and import it back, import a new ledger, record an event's signings."""

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FILTER_INVALID = "部分筛选条件无效"


def _tag() -> str:
    return uuid.uuid4().hex[:6].upper()


def _list_totals(page) -> tuple[str, str]:
    return (
        page.get_by_test_id("total-count").inner_text().strip(),
        page.get_by_test_id("total-amount").inner_text().strip(),
    )


def log_lead(user, *, name: str, investor: str, region: str | None, amount: str) -> None:
    """From any page: the menu, 新增线索, the few fields a first phone call gives, save."""
    page = user.page
    user.menu("招商项目")
    user.follow(page.get_by_role("link", name="新增线索"))
    expect(page.locator("h1")).to_have_text("新增线索")
    user.type(page.get_by_label("项目名称"), name)
    user.type(page.get_by_label("投资方"), investor)
    if region:
        user.choose(page.get_by_label("地区", exact=True), label=region)
    user.type(page.get_by_label("计划投资(万元)"), amount)
    # A name that matches no enterprise: the page says a new one will be created.
    expect(page.get_by_test_id("investor-status")).to_contain_text(f"将新建企业“{investor}”")
    user.follow(page.get_by_role("button", name="保存线索"))
    expect(page.locator("h1")).to_have_text(name)


def test_clerk_logs_a_lead_for_a_new_investor_in_at_most_8_interactions(user):
    user.login("city_staff")
    name = f"新材料项目{_tag()}"
    log_lead(
        user, name=name, investor=f"上海{_tag()}新材料科技有限公司", region="榆次区", amount="3.5亿"
    )
    assert user.interactions <= 8, user.interactions
    expect(user.page.get_by_test_id("planned-investment")).to_have_text("35,000.00")
    expect(user.page.get_by_role("alert").first).to_contain_text("已保存")


def test_clerk_signs_a_lead_late_with_amount_and_kind_and_it_is_marked_late_entry(user):
    page = user.page
    user.login("city_staff")
    name = f"补录签约项目{_tag()}"
    log_lead(user, name=name, investor=f"北京{_tag()}科技有限公司", region="太谷区", amount="2亿")
    registered = page.get_by_test_id("registered-on").inner_text().strip()

    # Signed a week before it was registered: allowed, kept as a late entry (补录).
    signed = (date.fromisoformat(registered) - timedelta(days=7)).isoformat()
    user.follow(page.get_by_test_id("sign-project"))
    form = page.get_by_test_id("signing-form")
    user.type(form.get_by_label("签约日期"), signed)
    user.type(form.get_by_label("签约金额", exact=False), "1.8亿")
    user.choose(form.get_by_label("协议类型"), label="正式合同")
    user.follow(page.get_by_test_id("save-signing"))

    expect(page.get_by_role("alert").first).to_contain_text("签约")
    expect(page.get_by_test_id("stage")).to_have_text("签约")
    expect(page.get_by_test_id("late-entry")).to_be_visible()
    expect(page.get_by_test_id("registered-on")).to_have_text(registered)
    expect(page.get_by_test_id("project-signings")).to_contain_text("18,000.00")
    expect(page.get_by_test_id("project-signings")).to_contain_text("正式合同")

    # The mark is a filter on the list.
    user.menu("招商项目")
    user.type(page.get_by_label("搜索"), name)
    late = page.get_by_role("search").get_by_label("补录")
    if not late.is_visible():
        user.click(page.get_by_role("search").get_by_text("更多筛选"))
    user.choose(late, label="仅补录项目")
    user.follow(page.get_by_role("button", name="筛选", exact=True))
    expect(page.get_by_role("link", name=name)).to_be_visible()
    assert _list_totals(page)[0] == "1"


def _filter_controls(page):
    form = page.get_by_role("search")
    return form.locator("select, input:not([type=hidden]):not([type=search])")


def test_every_control_of_the_list_filter_works_alone_and_2023_q1_shows_the_article_figures(user):
    page = user.page
    user.login("city_staff")
    user.menu("招商项目")
    controls = _filter_controls(page)
    names = [controls.nth(i).get_attribute("name") for i in range(controls.count())]
    assert len(names) >= 15, names
    for name in names:
        form = page.get_by_role("search")
        reveal = form.get_by_text("更多筛选")
        control = form.locator(f"[name={name}]")
        if not control.is_visible() and reveal.is_visible():
            user.click(reveal)
        kind = control.evaluate("el => el.tagName + ':' + (el.type || '')")
        if kind.startswith("SELECT"):
            user.choose(control, index=1)
        elif kind.endswith(":date"):
            user.type(control, "2023-01-01")
        elif kind.endswith(":checkbox"):
            user.click(control)
        else:
            user.type(control, "1000")
        user.follow(form.get_by_role("button", name="筛选", exact=True))
        expect(page.get_by_test_id("total-count")).to_be_visible()
        assert FILTER_INVALID not in page.inner_text("body"), name
        user.follow(page.get_by_role("search").get_by_role("link", name="清除"))

    # Combined, as the article reports it: signed in 2023 Q1.
    form = page.get_by_role("search")
    if not form.get_by_label("签约日期起").is_visible():
        user.click(form.get_by_text("更多筛选"))
    user.type(form.get_by_label("签约日期起"), "2023-01-01")
    user.type(form.get_by_label("签约日期止"), "2023-03-31")
    user.follow(form.get_by_role("button", name="筛选", exact=True))
    assert FILTER_INVALID not in page.inner_text("body")
    assert _list_totals(page) == ("39", "356.69")

    # and combined with a county: fewer, never the filter warning.
    user.choose(page.get_by_role("search").get_by_label("地区", exact=True), label="榆次区")
    user.follow(page.get_by_role("search").get_by_role("button", name="筛选", exact=True))
    count, _amount = _list_totals(page)
    assert 0 < int(count) < 39
    assert FILTER_INVALID not in page.inner_text("body")


def test_exported_list_imported_back_changes_nothing(user, tmp_path):
    page = user.page
    user.login("city_staff")
    user.menu("招商项目")
    form = page.get_by_role("search")
    user.choose(form.get_by_label("地区", exact=True), label="平遥县")
    user.follow(form.get_by_role("button", name="筛选", exact=True))
    with page.expect_download() as download:
        user.click(page.get_by_role("link", name="导出 Excel"))
    ledger = tmp_path / "exported.xlsx"
    download.value.save_as(ledger)

    user.menu("台账导入")
    upload(user, ledger)
    expect(page.get_by_test_id("count-unchanged")).not_to_have_text("0")
    for key in ("new", "update", "error"):
        expect(page.get_by_test_id(f"count-{key}")).to_have_text("0")


def upload(user, ledger: Path) -> None:
    """The imports page's own form: the file (by its label: the form also offers an evidence zip),
    then 检查文件 (the ledger kind defaults to projects)."""
    page = user.page
    form = page.get_by_test_id("upload-form")
    form.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(ledger))
    user.follow(page.get_by_role("button", name="检查文件"))
    expect(page.get_by_test_id("batch-summary")).to_be_visible(timeout=60_000)


def _ledger_from_template(user, tmp_path: Path, tag: str) -> Path:
    """The clerk downloads the product's own template and fills 20 rows, one of them wrong."""
    page = user.page
    user.menu("台账导入")
    with page.expect_download() as download:
        user.click(page.get_by_role("link", name=re.compile(r"projects\.xlsx")))
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    sheet = load_workbook(template).active
    headers = [c.value for c in sheet[1]]

    def col(label: str) -> int:
        return next(i for i, h in enumerate(headers) if h and str(h).startswith(label))

    book = Workbook()
    out = book.active
    out.append(headers)
    for i in range(20):
        row = [None] * len(headers)
        row[col("项目名称")] = f"台账项目{tag}-{i + 1:02d}"
        row[col("投资方")] = f"山西{tag}实业有限公司{i + 1:02d}"
        row[col("县区")] = "祁县"
        row[col("计划总投资")] = "abc" if i == 6 else f"{1000 + i * 10}"
        row[col("阶段")] = "线索"
        row[col("登记日期")] = "2026-11-02"
        out.append(row)
    path = tmp_path / f"ledger-{tag}.xlsx"
    book.save(path)
    return path


def test_a_20_row_ledger_with_one_bad_row_shows_the_row_and_imports_the_rest(user, tmp_path):
    page = user.page
    user.login("city_staff")
    tag = _tag()
    ledger = _ledger_from_template(user, tmp_path, tag)
    upload(user, ledger)
    expect(page.get_by_test_id("count-new")).to_have_text("19")
    expect(page.get_by_test_id("count-error")).to_have_text("1")
    errors = page.get_by_test_id("error-list")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr").first).to_contain_text("8")  # header + the 7th project
    expect(errors).to_contain_text("abc")
    user.follow(page.get_by_test_id("import-valid-rows"))
    expect(page.get_by_test_id("batch-status")).to_contain_text("已导入", timeout=60_000)

    user.menu("招商项目")
    user.type(page.get_by_label("搜索"), f"台账项目{tag}")
    user.follow(page.get_by_role("search").get_by_role("button", name="筛选", exact=True))
    assert _list_totals(page)[0] == "19"


def test_clerk_records_an_event_with_two_signings(user):
    page = user.page
    user.login("city_staff")
    tag = _tag()
    user.menu("招商活动")
    user.follow(page.get_by_role("link", name=re.compile("新建活动")))
    title = f"晋中(深圳)招商推介会{tag}"
    user.type(page.get_by_label("活动名称"), title)
    user.choose(page.get_by_label("类型", exact=True), index=1)
    user.type(page.get_by_label("开始日期"), "2026-11-20")
    user.type(page.get_by_label("市", exact=True), "深圳")
    user.choose(page.get_by_label("主办地区"), label="晋中市")
    user.follow(page.get_by_role("button", name="保存"))
    expect(page.locator("h1")).to_contain_text(title)

    user.follow(page.get_by_role("link", name=re.compile("录入签约")))
    for i, (investor, amount) in enumerate([("深圳", "5亿"), ("广州", "1.2亿")]):
        row = page.get_by_test_id(f"signing-row-{i}")
        user.click(row.get_by_text("或新建项目"))
        user.type(row.get_by_label("新项目名称"), f"推介会签约项目{tag}-{i + 1}")
        user.type(row.get_by_label("投资方"), f"{investor}{tag}电子有限公司")
        user.choose(row.get_by_label("地区"), label="榆次区")
        user.type(row.get_by_label("金额(万元)"), amount)
    user.follow(page.get_by_role("button", name="保存签约"))
    signings = page.get_by_test_id("signings-table")
    expect(signings).to_contain_text(f"推介会签约项目{tag}-1")
    expect(signings).to_contain_text(f"推介会签约项目{tag}-2")
    expect(page.get_by_test_id("signing-count")).to_have_text("2")
    expect(page.get_by_test_id("signing-total")).to_contain_text("6.20")
