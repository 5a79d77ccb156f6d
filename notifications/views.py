"""The bell's page and the notification settings (shown on the profile page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import SettingsForm
from .models import Kind


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread, found = selectors.bell(user=request.user)
    seen = selectors.personal_settings(request.user).bell_seen_at
    services.bell_seen(user=request.user)
    sections = [(Kind(kind).label, items) for kind, items in found.items()]
    return render(
        request,
        "notifications/inbox.html",
        {"sections": sections, "unread": unread, "seen": seen},
    )


@login_required
@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST)
    if form.is_valid():
        services.settings_update(user=request.user, opted_out=form.opted_out())
        messages.success(request, _("Notification settings saved."))
    return redirect("profile")
