"""Second factor for administrators (DESIGN.md: 等保 requires it): TOTP through django-otp, with
one-time backup codes (django-otp's static tokens).

Superusers and city administrators log in with their password as everyone does; until they have
entered a code in this session, every page sends them to enrol (first time: scan or type the key,
confirm with a code, note the backup codes) or to enter a code. Wrong codes count as failed logins
for django-axes, so the same lockout (user + IP) covers the code step. Such users cannot trade a
password for an API token (the token endpoint has no second factor): they make tokens on their
profile page, after the code.

ADMIN_OTP_REQUIRED (settings) is on unless DEMO: the demo's administrator logs in with a password.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Role

BACKUP_CODES = 10
# Paths an administrator may open before the second factor: the code pages themselves, logging
# out, static files, health probes and the language switch.
OPEN_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/static/", "/healthz", "/i18n/")


def needs_second_factor(user) -> bool:
    return bool(
        settings.ADMIN_OTP_REQUIRED
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "role", None) == Role.CITY_ADMIN)
    )


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: an administrator without a verified code in this session
    is sent to enrol or to enter one, whatever page they ask for."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and needs_second_factor(user)
            and not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            if request.headers.get("HX-Request") == "true":
                # A fragment (the bell's count, search suggestions) of a page that is itself sent
                # to the code step: nothing to swap in, or htmx would put the code page inside it.
                return HttpResponse(status=204)
            target = "otp_verify" if has_device(user) else "otp_setup"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    from .views import landing_url

    return landing_url(request.user)


def _credentials(request: HttpRequest) -> dict:
    return {"username": request.user.get_username()}


def _locked(request: HttpRequest) -> HttpResponse | None:
    if AxesProxyHandler.is_locked(request, credentials=_credentials(request)):
        from .views import locked_out

        logout(request)
        return locked_out(request)
    return None


def _failed(request: HttpRequest) -> HttpResponse | None:
    """A wrong code is a failed login for django-axes (same user + IP counter as passwords)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(request), request=request)
    return _locked(request)


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol: a new TOTP key, confirmed by one code from the app; then the backup codes, once."""
    if has_device(request.user):
        return redirect("otp_verify")
    if (response := _locked(request)) is not None:
        return response
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="totp", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            codes = _new_backup_codes(request.user)
            return render(
                request,
                "accounts/otp_backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        if (response := _failed(request)) is not None:
            return response
        form.add_error("code", _("The code is wrong or has expired. Enter the current code."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    issuer = settings.OTP_TOTP_ISSUER  # ASCII: every authenticator app shows it as it is
    label = quote(f"{issuer}:{request.user.get_username()}")
    otpauth = f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "secret": secret, "otpauth": otpauth, "next": _next_url(request)},
    )


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code step of a login: a TOTP code, or one of the backup codes (each works once)."""
    if not has_device(request.user):
        return redirect("otp_setup")
    if (response := _locked(request)) is not None:
        return response
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        if (response := _failed(request)) is not None:
            return response
        form.add_error("code", _("The code is wrong or has expired. Enter the current code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})
