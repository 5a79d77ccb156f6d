"""A county official in the browser: their county's list, never another county's confidential
project; and no page the walk visits breaks the Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

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
    login(page, live_server, "yuci_official")
    expect(page.get_by_test_id("user-badge")).to_contain_text("榆次区")

    page.goto(f"{live_server.url}/projects/?q=MX")
    body = page.locator("body")
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
    expect(page.get_by_test_id("history-row").first).to_contain_text("MXYUCIOPEN项目")
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path="/tmp/history-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/history/")
    page.screenshot(path="/tmp/history-1280.png", full_page=True)
    assert violations == []
