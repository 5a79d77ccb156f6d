"""The city dashboard in a browser shows the article's 2023 Q1 figures, its charts and the 示意图 map,
and a figure leads to the project list behind it."""

import pytest

from tests.conftest import login, restore_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _unhashed_static(settings):
    """live_server serves static files through the finders, which know no hashed manifest names:
    use plain storage so the page's CSS and scripts (ECharts) load."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_city_dashboard_shows_2023_q1_figures_on_desktop_and_phone(
    page, live_server, tmp_path_factory
):
    restore_demo(tmp_path_factory)  # load_demo's rows
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/dashboards/?year=2023&quarter=1")
    assert page.get_by_test_id("kpi-signed_count").inner_text().strip() == "39"
    assert page.get_by_test_id("kpi-signed_amount").inner_text().strip() == "356.69"
    assert page.get_by_test_id("kpi-expected_start_amount").inner_text().strip() == "35.78"
    assert page.get_by_test_id("map-label").inner_text() == "示意图"
    page.wait_for_selector("#chart-ranking canvas")
    page.wait_for_selector("#chart-map canvas")
    assert "figures" in page.get_by_test_id("rollup-status").inner_text().lower() or "数据" in (
        page.get_by_test_id("rollup-status").inner_text()
    )
    href = page.get_by_test_id("kpi-signed_amount").locator("a").get_attribute("href")
    assert href.startswith("/projects/?")
    assert "signed_from=2023-01-01" in href and "signed_to=2023-03-31" in href
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.get_by_test_id("kpi-signed_count").inner_text().strip() == "39"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # The 2023 city dashboard: top 10, the Taiyuan event's signings, the chain indicators.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/dashboards/?year=2023")
    assert page.get_by_test_id("top-projects-table").locator("tbody tr").count() == 10
    taiyuan = page.get_by_test_id("event-row").filter(has_text="双招双引共话发展")
    assert taiyuan.get_by_test_id("event-projects").inner_text().strip() == "15"
    assert taiyuan.get_by_test_id("event-amount").inner_text().strip() == "346.80"
    indicators = page.get_by_test_id("dashboard-indicators")
    assert indicators.get_by_test_id("indicator-row").count() >= 5
    assert indicators.locator("progress").count() >= 5
    assert page.get_by_test_id("edit-targets").count() == 0  # a leader reads targets only
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # City staff set a county's target on the targets page; a bad figure is refused in Chinese.
    page.context.clear_cookies()
    login(page, live_server, "city_staff")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/dashboards/?year=2023")
    page.get_by_test_id("edit-targets").click()
    row = page.get_by_test_id("target-row-140702")
    row.locator("input[name$=signed_amount]").fill("-3")
    page.get_by_test_id("targets-save").click()
    assert "未保存任何内容" in page.get_by_test_id("targets-errors").inner_text()
    row = page.get_by_test_id("target-row-140702")
    row.locator("input[name$=signed_count]").fill("20")
    row.locator("input[name$=signed_amount]").fill("50亿")
    page.get_by_test_id("targets-save").click()
    page.wait_for_url("**/dashboards/targets/?year=2023")
    row = page.get_by_test_id("target-row-140702")
    assert row.locator("input[name$=signed_amount]").input_value() == "500000"
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
