"""Administrators' second factor, as an administrator meets it: log in with the password, enrol a
TOTP key (the code computed from the shown key with pyotp, as a phone app would), keep the backup
codes, log in again with a code; wrong codes are locked out by django-axes like wrong passwords."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from rest_framework.test import APIClient

PASSWORD = "demo12345"


@pytest.fixture(autouse=True)
def _otp_required(settings):
    settings.ADMIN_OTP_REQUIRED = True


def _log_in(client, username: str = "admin"):
    return client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, follow=True
    )


def _enrol(client) -> tuple[str, list[str]]:
    page = _log_in(client)
    assert page.redirect_chain[-1][0].startswith("/accounts/otp/setup/")
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    done = client.post("/accounts/otp/setup/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]+)</li>", done.content.decode())
    assert len(codes) == 10
    return secret, codes


def test_an_administrator_enrols_then_logs_in_with_a_code(client, demo_users):
    # Before the code, every page leads to enrolment.
    _log_in(client)
    assert client.get("/accounts/history/")["Location"].startswith("/accounts/otp/setup/")
    client.post("/accounts/logout/")

    secret, backup_codes = _enrol(client)
    assert client.get("/accounts/history/").status_code == 200  # verified in this session
    client.post("/accounts/logout/")

    # The next login asks for a code; a code from the app (the next time step: a code is accepted
    # once) lets them in.
    page = _log_in(client)
    assert page.redirect_chain[-1][0].startswith("/accounts/otp/verify/")
    assert client.get("/admin/")["Location"].startswith("/accounts/otp/verify/")
    code = pyotp.TOTP(secret).at(time.time() + 30)
    entered = client.post("/accounts/otp/verify/", {"code": code, "next": "/accounts/history/"})
    assert entered.status_code == 302 and entered["Location"] == "/accounts/history/"
    assert client.get("/accounts/history/").status_code == 200
    client.post("/accounts/logout/")

    # A backup code works once.
    _log_in(client)
    assert client.post("/accounts/otp/verify/", {"code": backup_codes[0]}).status_code == 302
    client.post("/accounts/logout/")
    _log_in(client)
    again = client.post("/accounts/otp/verify/", {"code": backup_codes[0]})
    assert again.status_code == 200 and "验证码" in again.content.decode()


def test_a_fragment_asked_before_the_code_gets_nothing_to_swap_in(client, demo_users):
    _log_in(client)
    fragment = client.get("/notifications/unread/", headers={"HX-Request": "true"})
    assert fragment.status_code == 204 and fragment.content == b""


def test_wrong_codes_are_locked_out_like_wrong_passwords(client, demo_users, settings):
    _enrol(client)
    client.post("/accounts/logout/")
    _log_in(client)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/otp/verify/", {"code": "000000"}).status_code == 200
    locked = client.post("/accounts/otp/verify/", {"code": "000000"})
    assert locked.status_code == 429
    # Logged out, and the password alone no longer gets in either.
    assert client.get("/accounts/history/").status_code == 302
    assert _log_in(client).status_code == 429


def test_staff_need_no_second_factor(client, demo_users):
    _log_in(client, "yuci_staff")
    assert client.get("/projects/").status_code == 200


def test_an_administrator_cannot_trade_the_password_for_an_api_token(demo_users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
