"""A clerk uploads a ledger with two bad rows, sees them listed, fixes the file and imports it."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Project
from tests.conftest import login
from tests.imports.ledgers import project_row, xlsx_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, live_server, data: bytes) -> None:
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "projects")
    page.set_input_files(
        "input[name=file]", files=[{"name": "榆次台账.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url(re.compile(r"/imports/\d+/"))


def test_upload_ledger_with_two_bad_rows_fix_and_import(page, live_server, demo_users):
    login(page, live_server, "yuci_staff")
    good = [project_row(项目名称=f"好项目{i}") for i in range(3)]
    bad = [
        project_row(项目名称="金额写错的项目", **{"计划总投资(万元)": "三亿"}),
        project_row(项目名称="日期写错的项目", 签约日期="2023年13月3日"),
    ]
    _upload(page, live_server, xlsx_bytes([*good, *bad]))
    errors = page.get_by_test_id("error-list")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors).to_contain_text("计划总投资(万元)")
    expect(errors).to_contain_text("签约日期")
    expect(page.get_by_test_id("count-error")).to_have_text("2")
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="/tmp/imports-preview-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="/tmp/imports-preview-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not Project.objects.exists()

    fixed = [
        project_row(项目名称="金额写错的项目", **{"计划总投资(万元)": "3亿"}),
        project_row(项目名称="日期写错的项目", 签约日期="2023年2月3日"),
    ]
    _upload(page, live_server, xlsx_bytes([*good, *fixed]))
    expect(page.get_by_test_id("count-new")).to_have_text("5")
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已导入")
    assert Project.objects.count() == 5
    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_test_id("batch-list")).to_contain_text("已导入")
    page.screenshot(path="/tmp/imports-index-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="/tmp/imports-index-375.png", full_page=True)
