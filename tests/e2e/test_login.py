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
