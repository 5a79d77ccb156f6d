"""A county official in the browser: their county's dashboard and list, never another county's
confidential project; and no page the walk visits breaks the Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from core.money import format_yi
from dashboards.periods import parse_period
from dashboards.selectors import dashboard_data
from rollups.refresh import rebuild_all
from tests.conftest import login
from tests.security.conftest import county_objects, fast_password_hashing  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _collect_csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_county_official_sees_own_county_and_not_other_confidential_project(
    page,
    live_server,
    county_objects,  # noqa: F811
):
    violations = _collect_csp_violations(page)
    county_objects["event"]  # the events whose signings (2023-03-01) the dashboard counts
    rebuild_all()  # the figures of the test projects, without a worker
    login(page, live_server, "yuci_official")
    expect(page.get_by_test_id("user-badge")).to_contain_text("榆次区")

    # Their county's dashboard: its name, and its figures (both 榆次 projects signed, the
    # confidential one included: it counts in the totals).
    page.goto(f"{live_server.url}/dashboards/140702/?year=2023")
    expect(page.locator("h1.page-title")).to_contain_text("榆次区")
    yuci = county_objects["project"]["yuci_open"].region
    data = dashboard_data(period=parse_period({"year": "2023"}, default_year=2023), region=yuci)
    figures = {k["key"]: k["value"] for k in data["kpis"]}
    assert figures["signed_count"] == 2
    expect(page.get_by_test_id("kpi-signed_count")).to_have_text("2")
    expect(page.get_by_test_id("kpi-signed_amount")).to_have_text(
        format_yi(figures["signed_amount"])
    )
    # Aggregates of every county are everyone's; no other county's project names come with them.
    body = page.locator("body")
    for hidden in ("MXTAIGUOPEN", "MXTAIGUSECRET"):  # (parks are public: MXTAIGUPARK may show)
        expect(body).not_to_contain_text(hidden)
    # The figure leads to the list behind it: their own two projects.
    page.get_by_test_id("kpi-signed_count").locator("a").click()
    expect(body).to_contain_text("MXYUCIOPEN项目")
    expect(body).to_contain_text("MXYUCISECRET项目")
    for hidden in ("MXTAIGUOPEN", "MXTAIGUSECRET"):
        expect(body).not_to_contain_text(hidden)
    page.screenshot(path="/tmp/sec-county-dashboard-list.png", full_page=True)

    page.goto(f"{live_server.url}/projects/?q=MX")
    expect(body).to_contain_text("MXYUCIOPEN项目")
    expect(body).to_contain_text("MXYUCISECRET项目")  # their own confidential project
    expect(body).not_to_contain_text("MXTAIGUOPEN")  # another county's projects (parks are public)
    expect(body).not_to_contain_text("MXTAIGUSECRET")

    secret = county_objects["project"]["taigu_secret"]
    response = page.goto(f"{live_server.url}/projects/{secret.pk}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(body).not_to_contain_text("MXTAIGUSECRET")

    own = county_objects["project"]["yuci_secret"]
    response = page.goto(f"{live_server.url}/projects/{own.pk}/")
    assert response.status == 200
    expect(body).to_contain_text("MXYUCISECRET项目")
    assert violations == []


def test_admin_pages_and_history_search_run_under_the_csp(
    page,
    live_server,
    demo_users,
    county_objects,  # noqa: F811
):
    violations = _collect_csp_violations(page)
    login(page, live_server, "admin")
    for path in [
        "/",
        "/accounts/history/",
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{demo_users['yuci_staff'].pk}/change/",
        f"/projects/{county_objects['project']['yuci_open'].pk}/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
    page.goto(f"{live_server.url}/accounts/history/?q=MXYUCIOPEN")
    # (the project's follow-up and funds records match the search too: look for the project's row)
    expect(
        page.get_by_test_id("history-row").filter(has_text="MXYUCIOPEN项目").first
    ).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="/tmp/history-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/history/")
    page.screenshot(path="/tmp/history-1280.png", full_page=True)
    assert violations == []
