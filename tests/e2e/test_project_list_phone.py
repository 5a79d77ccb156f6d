"""On a phone the project list's filter form folds behind a 筛选 button, so the filtered results
start on the first screen; on a desktop the form stays open."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from projects.models import Stage
from tests.conftest import login
from tests.factories import make_project

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _first_row_on_screen(page) -> bool:
    row = page.locator("table tbody tr").first
    box = row.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] + box["height"] <= height


def test_phone_filter_form_opens_from_a_button_and_results_start_on_first_screen(
    page, live_server, demo_users
):
    for n in range(3):
        make_project(name=f"手机签约项目{n}", stage=Stage.SIGNED, signed_on=dt.date(2023, 2, 3))
        make_project(name=f"手机线索{n}")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator("#id_q")).to_be_hidden()
    assert _first_row_on_screen(page)

    page.get_by_test_id("filter-toggle").click()
    expect(page.locator("#id_stage")).to_be_visible()
    page.select_option("#id_stage", label="签约")
    page.locator("#project-filters").get_by_role("button", name="筛选").click()
    page.wait_for_url("**/projects/?**")
    expect(page.locator("#id_q")).to_be_hidden()
    expect(page.get_by_test_id("filter-toggle")).to_contain_text("1")
    assert _first_row_on_screen(page)
    expect(page.locator("table tbody tr").first).to_contain_text("签约")


def test_desktop_keeps_the_filter_form_visible(page, live_server, demo_users):
    page.set_viewport_size({"width": 1366, "height": 800})
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator("#id_q")).to_be_visible()
    expect(page.get_by_test_id("filter-toggle")).to_be_hidden()
