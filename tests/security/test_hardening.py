"""Login lockout, CSRF, security headers, error pages and request ids."""

import logging

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- brute force --------------------------------------------------------------------------------
def test_fifth_wrong_password_locks_that_user_at_that_address(demo_users, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "yuci_staff", "wrong-guess").status_code == 200
    locked = _login(client, "yuci_staff", "wrong-guess")
    assert locked.status_code == 429
    assert "登录已锁定" in locked.content.decode()
    # Now even the right password is refused from there.
    right = _login(client, "yuci_staff", "demo12345")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_block_other_users_or_other_addresses(demo_users, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "yuci_staff", "wrong-guess")
    # Same address, another user: fine. Same user, another address: fine.
    assert _login(Client(), "taigu_staff", "demo12345").status_code == 302
    assert _login(Client(), "yuci_staff", "demo12345", ip="10.0.0.2").status_code == 302


def test_successful_login_resets_the_failure_count(demo_users, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "leader", "wrong-guess")
    assert _login(Client(), "leader", "demo12345").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(Client(), "leader", "wrong-guess").status_code == 200


def test_weak_passwords_are_rejected():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["demo12345", "abcdefghijk", "12345678901", "password123"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Jinzhong-2023-招商")


# --- CSRF -----------------------------------------------------------------------------------------
def test_post_without_csrf_token_is_refused_in_chinese(demo_users):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "admin", "password": "demo12345"})
    assert response.status_code == 403
    assert "安全" in response.content.decode()  # the 403_csrf page, not Django's English one


def _views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _views(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_no_view_is_exempt_from_csrf():
    """csrf_exempt is allowed only on DRF views: their SessionAuthentication enforces CSRF itself
    and token-authenticated requests carry no cookie to forge."""
    exempt = []
    for route, callback in _views():
        if not getattr(callback, "csrf_exempt", False):
            continue
        if getattr(callback, "csrf_exempt_because_read_only", False):
            continue  # answers 404 only and changes nothing
        view_class = getattr(callback, "cls", None)
        if view_class is not None and any(c.__name__ == "APIView" for c in view_class.__mro__):
            continue
        exempt.append(route)
    assert not exempt


# --- headers --------------------------------------------------------------------------------------
def test_every_page_sends_the_security_headers(demo_users):
    response = Client().get(LOGIN)
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert len(response["X-Request-ID"]) == 32


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https():
    response = Client().get(LOGIN, secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_is_httponly_and_expires(demo_users, settings):
    client = Client()
    response = _login(client, "admin", "demo12345")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_templates_have_no_inline_scripts_styles_or_handlers():
    """CSP allows our own files only, so inline code would silently not run."""
    import re
    from pathlib import Path

    from django.conf import settings

    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [
        p / "templates" for p in Path(settings.BASE_DIR).iterdir() if (p / "templates").is_dir()
    ]
    offenders = []
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
    for root in roots:
        for path in root.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if (
                inline_script.search(text)
                or re.search(r"\son[a-z]+\s*=", text)
                or " style=" in text
            ):
                offenders.append(str(path))
    assert not offenders


# --- errors ---------------------------------------------------------------------------------------
def test_unknown_page_is_a_chinese_404(demo_users):
    client = Client()
    client.force_login(demo_users["city_staff"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "Traceback" not in body


def test_server_error_shows_request_id_and_logs_it(demo_users, caplog, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("secret internals")

    urlpatterns = [path("boom/", boom)]
    module = type(
        "Urls", (), {"urlpatterns": urlpatterns, "handler500": "core.errors.server_error"}
    )
    settings.ROOT_URLCONF = module
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/", HTTP_X_REQUEST_ID="req-abcdef123456")
    assert response.status_code == 500
    body = response.content.decode()
    assert "req-abcdef123456" in body and "服务器" in body
    assert "secret internals" not in body and "Traceback" not in body
    assert response["X-Request-ID"] == "req-abcdef123456"
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.request_id == "req-abcdef123456"


def test_forged_request_id_is_replaced(demo_users):
    response = Client().get(LOGIN, HTTP_X_REQUEST_ID="bad id\nINJECTED log line")
    assert "INJECTED" not in response["X-Request-ID"]


@override_settings(BEHIND_PROXY=True)
def test_client_ip_behind_proxy_is_the_address_nginx_saw():
    from django.test import RequestFactory

    from core.requestinfo import client_ip

    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"


def test_client_ip_without_proxy_ignores_forwarded_header():
    from django.test import RequestFactory

    from core.requestinfo import client_ip

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "198.51.100.7"
