"""Journey 1 of issue 21: a county clerk (`yuci_staff`) attaches a contract to a signing; a city
verifier (`city_staff`) returns it with a reason; the clerk hears of it, fixes it and submits it
again; the verifier verifies it; the city dashboard's verified signed total moves."""

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .test_clerk import _tag, log_lead

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _verified_signed(user) -> int:
    """The city dashboard's verified signed-projects figure (已核实 N / 上报 M)."""
    page = user.page
    user.menu("数据看板")
    if "晋中市" not in page.locator("h1").inner_text():
        user.follow(page.get_by_role("link", name=re.compile("全市")).first)
    text = page.get_by_test_id("kpi-verified-signed_count").inner_text()
    return int(re.search(r"已核实\s*(\d+)", text).group(1))


def _upload(user, path: Path) -> None:
    page = user.page
    milestone = page.get_by_test_id("milestone-signed")
    milestone.get_by_label("文件").set_input_files(str(path))
    user.follow(milestone.get_by_test_id("milestone-upload"))
    expect(page.get_by_role("alert").first).to_contain_text("等待核实")


def _logout(user) -> None:
    user.page.get_by_role("button", name="退出").click()
    user.page.wait_for_load_state()


def test_clerk_attaches_a_contract_verifier_returns_then_verifies_and_the_total_moves(
    user, tmp_path
):
    page = user.page
    name = f"核实旅程项目{_tag()}"
    contract = tmp_path / "投资协议.pdf"
    contract.write_bytes(PDF)
    stamped = tmp_path / "投资协议（盖章页）.pdf"
    stamped.write_bytes(PDF)

    # 1. The clerk logs a lead, signs it today and attaches the contract to the signing.
    user.login("yuci_staff")
    log_lead(user, name=name, investor=f"核实{_tag()}投资有限公司", region=None, amount="6000")
    user.follow(page.get_by_test_id("sign-project"))
    form = page.get_by_test_id("signing-form")
    user.type(form.get_by_label("签约日期"), date.today().isoformat())
    user.follow(page.get_by_test_id("save-signing"))
    user.follow(page.get_by_test_id("project-evidence-link"))
    expect(page.get_by_test_id("milestone-signed")).to_contain_text("投资协议/合同")
    _upload(user, contract)
    expect(page.get_by_test_id("milestone-signed").get_by_test_id("claim-state")).to_have_text(
        "待核实"
    )
    _logout(user)

    # 2. The verifier finds it in the queue and returns it with a reason.
    user.login("city_staff")
    before = _verified_signed(user)
    user.menu("我的工作")
    user.follow(page.get_by_test_id("verification-queue-link"))
    expect(page.locator("h1")).to_have_text("核实队列")
    user.follow(page.get_by_test_id("queue-open").filter(has_text=name))
    user.type(page.get_by_label("退回原因"), "缺少盖章页")
    user.follow(page.get_by_test_id("claim-return"))
    expect(page.get_by_test_id("return-reason")).to_have_text("缺少盖章页")
    _logout(user)

    # 3. The clerk hears of it, adds the stamped page and submits again.
    user.login("yuci_staff")
    user.follow(page.get_by_test_id("bell"))
    user.follow(page.get_by_test_id("notice").filter(has_text="缺少盖章页"))
    user.follow(page.get_by_test_id("claim-project-evidence"))
    expect(page.get_by_test_id("milestone-returned")).to_contain_text("缺少盖章页")
    _upload(user, stamped)
    user.follow(page.get_by_test_id("milestone-signed").get_by_test_id("milestone-claim-link"))
    user.follow(page.get_by_test_id("claim-resubmit"))
    expect(page.get_by_test_id("claim-state")).to_have_text("待核实")
    _logout(user)

    # 4. The verifier verifies it; 5. the dashboard's verified total moves (the rollup refresh
    # runs after the commit: on the PostgreSQL stack in the worker, so the page is reloaded until
    # it shows, within a deadline).
    user.login("city_staff")
    user.menu("我的工作")
    user.follow(page.get_by_test_id("verification-queue-link"))
    user.follow(page.get_by_test_id("queue-open").filter(has_text=name))
    expect(page.get_by_test_id("claim-file")).to_have_count(2)
    user.follow(page.get_by_test_id("claim-verify"))
    expect(page.get_by_test_id("claim-state")).to_have_text("已核实")
    after = _verified_signed(user)
    for _ in range(60):  # up to ~30 s for the worker on a loaded machine
        if after == before + 1:
            break
        page.wait_for_timeout(500)
        page.reload()
        after = int(
            re.search(
                r"已核实\s*(\d+)", page.get_by_test_id("kpi-verified-signed_count").inner_text()
            ).group(1)
        )
    assert after == before + 1, (before, after)
