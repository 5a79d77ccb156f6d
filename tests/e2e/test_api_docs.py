"""The API's docs pages work in a real browser under the site's Content-Security-Policy, from the
site's own files only (the city's network may be offline)."""

import pytest
from playwright.sync_api import expect

from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# Redoc's footer always asks for its maker's logo from cdn.redoc.ly; the site's CSP refuses it
# (img-src 'self'), so nothing is fetched and the link shows its text instead.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _watch(page, live_server) -> list[str]:
    """Console errors (a CSP refusal is one) and requests answered from outside the site."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not (REDOCLY_LOGO in m.text and "img-src" in m.text)
            else None
        ),
    )
    page.on(
        "requestfinished",
        lambda r: (
            None
            if r.url.startswith((live_server.url, "data:", "blob:"))
            else problems.append(f"off-site request: {r.url}")
        ),
    )
    return problems


def test_swagger_ui_lists_the_operations(page, live_server, demo_users):
    login(page, live_server, "api_reader")
    problems = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/docs/")
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/projects/").first
    ).to_be_visible()
    expect(page.locator(".information-container")).to_contain_text("晋中市招商引资项目管理系统")
    assert problems == [], "\n".join(problems)


def test_redoc_shows_the_schema(page, live_server, demo_users):
    login(page, live_server, "api_reader")
    problems = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.locator("h1").first).to_contain_text("Jinzhong investment-promotion CRM API")
    expect(page.get_by_text("/api/v1/projects/").first).to_be_attached()
    assert problems == [], "\n".join(problems)
