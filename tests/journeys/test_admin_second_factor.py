"""The administrator's second factor (DESIGN.md, 等保): the first login enrols a TOTP key (the code is
computed from the key the page shows, with pyotp, as the phone's authenticator app would), the backup
codes are shown once; the next login asks for a code and accepts the app's."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_an_administrator_enrols_totp_then_logs_in_with_a_code(user):
    page = user.page
    user.login("admin", second_factor=False)
    # The password alone leads to enrolment, whatever page was asked for.
    expect(page.get_by_role("heading", name="设置双因素认证")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    expect(page.get_by_test_id("otp-uri")).to_contain_text(f"secret={secret}")
    enrolled_step = int(time.time() // 30)
    user.type(page.get_by_label("验证码"), pyotp.TOTP(secret).now())
    user.follow(page.get_by_role("button", name="确认"))

    expect(page.get_by_role("heading", name="备用码")).to_be_visible()
    codes = page.get_by_test_id("backup-codes").locator("li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    user.follow(page.get_by_role("link", name="继续"))
    user.stack.admin_otp_secret = secret  # what the phone's app now holds (later journeys log in)
    expect(page.get_by_test_id("user-badge")).to_contain_text("系统管理员")
    user.follow(page.get_by_role("button", name="退出"))

    # The next login asks for a code (wrong codes and their lockout: tests/security/test_admin_otp.py;
    # django-otp also holds back the next try for a second after a wrong one) ...
    user.login("admin", second_factor=False)
    expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    expect(page.get_by_test_id("user-badge")).to_contain_text("系统管理员")

    # ... the app's code lets them in: the code of a later time step than enrolment's (a code is
    # accepted only once), read as the app shows it, once that step has begun. A code for a step
    # still to come can be refused: when enrolment's code was checked in the step after it was
    # made, django-otp records that drift and checks later codes against the drifted clock.
    while int(time.time() // 30) <= enrolled_step:
        time.sleep(0.5)
    user.type(page.get_by_label("验证码"), pyotp.TOTP(secret).now())
    user.follow(page.get_by_role("button", name="验证"))
    expect(page.get_by_role("heading", name="输入验证码")).to_have_count(0)
    assert "/accounts/otp/" not in page.url, page.url
    expect(page.get_by_test_id("user-badge")).to_contain_text("系统管理员")
    # An administrator's page opens without asking again.
    user.follow(page.get_by_test_id("user-badge"))
    assert "/accounts/otp/" not in page.url, page.url
