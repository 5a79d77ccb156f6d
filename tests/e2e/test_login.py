import re

import pytest
from playwright.sync_api import expect

from tests.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_chinese_home_page(page, live_server, demo_users):
    login(page, live_server, "city_staff")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_have_text("我的工作")
    expect(page.locator("nav, header").first).to_contain_text("晋中招商")
    expect(page.get_by_test_id("due-count")).to_be_visible()


def test_wrong_password_shows_chinese_error(page, live_server, demo_users):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "city_staff")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit].btn-primary")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")


def test_language_can_be_switched_to_english(page, live_server, demo_users):
    login(page, live_server, "city_staff")
    page.click("button[name=language][value=en]")
    expect(page.locator("h1")).to_have_text("My work")


def test_pages_load_their_stylesheet_and_scripts(page, live_server, demo_users):
    failed = []
    page.on(
        "response",
        lambda r: failed.append(r.url) if "/static/" in r.url and r.status >= 400 else None,
    )
    login(page, live_server, "city_staff")
    page.goto(f"{live_server.url}/projects/")
    assert failed == []
    # Tabler's CSS is applied (the navbar is blue) and its JS is live (the collapse works on a phone).
    assert (
        page.evaluate("getComputedStyle(document.querySelector('header.navbar')).backgroundColor")
        != "rgba(0, 0, 0, 0)"
    )
