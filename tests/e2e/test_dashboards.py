"""The city dashboard in a browser shows the article's 2023 Q1 figures, its charts and the 示意图 map,
and a figure leads to the project list behind it."""

import pytest
from django.core.management import call_command

from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _unhashed_static(settings):
    """live_server serves static files through the finders, which know no hashed manifest names:
    use plain storage so the page's CSS and scripts (ECharts) load."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_city_dashboard_shows_2023_q1_figures_on_desktop_and_phone(page, live_server):
    call_command("load_demo", verbosity=0)
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
