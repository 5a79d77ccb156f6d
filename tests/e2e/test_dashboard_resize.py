"""The dashboards' charts follow the window: resizing from desktop to phone width and back
leaves no error in the browser console (ECharts used to throw `TypeError … reading '0'`)."""

import pytest

from tests.conftest import login, restore_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _unhashed_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(f"{msg.text} @ {msg.location.get('url')}")
            if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(f"{exc}\n{exc.stack}"))
    return errors


def _charts_follow(page) -> None:
    """Wait until every chart's canvas has taken its box's new width (charts redraw on resize)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dash-chart')].every(el =>"
        " !el.querySelector('canvas') ||"
        " Math.abs(el.querySelector('canvas').getBoundingClientRect().width"
        " - el.getBoundingClientRect().width) < 2)"
    )


def _resize_round_trip(page, name: str) -> None:
    """1366 -> 390 -> 1366 px, a full-page screenshot at each end (taking one squeezes the window
    to 1x1 for a moment, which is what made the map throw), and a window squeezed to nothing."""
    for width in (1366, 1024, 390):
        page.set_viewport_size({"width": width, "height": 900})
        _charts_follow(page)
    # At phone width the ranking keeps each county's name on one line: the table scrolls inside
    # its card, the page itself does not scroll sideways.
    names = page.get_by_test_id("ranking-table").locator("tbody td.region-name")
    assert names.count() == 12
    heights = names.evaluate_all(
        "cells => cells.map(c => [c.getBoundingClientRect().height,"
        " parseFloat(getComputedStyle(c).lineHeight) + 12])"
    )
    assert all(height <= one_line for height, one_line in heights), heights
    scroller = page.get_by_test_id("county-ranking").locator(".table-responsive")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"/tmp/e2e-dashboard-{name}-390.png", full_page=True)
    page.set_viewport_size({"width": 1, "height": 1})
    for width in (768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        _charts_follow(page)
    page.screenshot(path=f"/tmp/e2e-dashboard-{name}-1366.png", full_page=True)
    _charts_follow(page)


@pytest.mark.parametrize("user", ["leader", "yuci_official"])
def test_resizing_the_city_and_county_dashboards_logs_no_console_error(
    page, live_server, user, tmp_path_factory
):
    restore_demo(tmp_path_factory)  # load_demo's rows
    errors = _console_errors(page)
    login(page, live_server, user)
    page.set_viewport_size({"width": 1366, "height": 900})
    # The city dashboard, reached from the page's own navigation, then a county from its ranking.
    page.goto(f"{live_server.url}/dashboards/?year=2023")
    page.wait_for_selector("#chart-ranking canvas")
    page.wait_for_selector("#chart-map canvas")
    _resize_round_trip(page, f"city-{user}")
    page.get_by_test_id("ranking-table").get_by_role("link", name="榆次区").first.click()
    page.wait_for_url("**/dashboards/140702/**")
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_selector("#chart-map canvas")
    _resize_round_trip(page, f"yuci-{user}")
    # The quarterly trend redraws the chart with new options: resize after it too.
    page.locator("[data-trend=quarter]").click()
    _resize_round_trip(page, f"yuci-quarters-{user}")
    assert errors == []
