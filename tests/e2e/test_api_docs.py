"""The API's docs pages work in a real browser under the site's Content-Security-Policy, from the
site's own files only (the city's network may be offline)."""

import pytest
from playwright.sync_api import expect

from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _watch(page, live_server) -> list[str]:
    """Console errors (a CSP refusal is one, so is a 404), and requests answered from outside the site
    or with an error."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "requestfinished",
        lambda r: (
            None
            if r.url.startswith((live_server.url, "data:", "blob:"))
            else problems.append(f"off-site request: {r.url}")
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return problems


def _favicon(page) -> None:
    """What a browser does for the tab's icon: the page's <link rel=icon>, else /favicon.ico."""
    href = page.evaluate(
        "() => (document.querySelector('link[rel~=icon]') || {href: '/favicon.ico'}).href"
    )
    page.evaluate("href => fetch(href).then(r => r.blob())", href)
    page.evaluate("() => fetch('/favicon.ico').then(r => r.blob())")


def test_login_page_has_no_console_error_and_an_icon(page, live_server, demo_users):
    problems = _watch(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("#id_username")).to_be_visible()
    _favicon(page)
    assert problems == [], "\n".join(problems)


def test_swagger_ui_lists_the_operations(page, live_server, demo_users):
    login(page, live_server, "api_reader")
    problems = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/docs/")
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/projects/").first
    ).to_be_visible()
    expect(page.locator(".information-container")).to_contain_text("晋中市招商引资项目管理系统")
    _favicon(page)
    assert problems == [], "\n".join(problems)


def test_redoc_shows_the_schema(page, live_server, demo_users):
    login(page, live_server, "api_reader")
    problems = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/redoc/")
    # Redoc fetches and lays out the whole schema first: give a loaded machine time.
    expect(page.locator("h1").first).to_contain_text(
        "Jinzhong investment-promotion CRM API", timeout=30_000
    )
    expect(page.get_by_text("/api/v1/projects/").first).to_be_attached()
    # Redoc's footer link stays, without its maker's logo from cdn.redoc.ly.
    expect(page.get_by_text("API docs by Redocly")).to_be_attached()
    _favicon(page)
    assert problems == [], "\n".join(problems)
