"""The bell's page and the notification settings (shown on the profile page)."""

import datetime as dt

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.permissions import requires
from lights.services import is_city_editor

from . import calendar, selectors, services
from .forms import RobotForm, SettingsForm
from .models import GroupRobot, Kind, PersonalSettings


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
def unread(request: HttpRequest) -> HttpResponse:
    """The bell's count, fetched by the page after it loaded (htmx): pages themselves never pay
    for the notices' queries."""
    count = selectors.bell(user=request.user)[0]
    return render(request, "notifications/_unread.html", {"unread": count})


@login_required
@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.settings_update(
                user=request.user,
                opted_out=form.opted_out(),
                webhook_channel=form.cleaned_data["webhook_channel"],
                webhook_url=form.cleaned_data["webhook_url"],
            )
        except ValidationError as exc:
            # Nothing saved: the page says why (its form shows what is stored).
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Notification settings saved."))
    return redirect("profile")


@login_required
def month(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month_ = int(request.GET.get("month", today.month))
        first = dt.date(year, month_, 1)
    except (TypeError, ValueError):
        first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    feed = selectors.personal_settings(request.user, create=True).calendar_token
    return render(
        request,
        "notifications/calendar.html",
        {
            "first": first,
            "today": today,
            "weeks": calendar.month_grid(user=request.user, year=first.year, month=first.month),
            "previous": previous,
            "following": following,
            "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
            "feed_url": request.build_absolute_uri(reverse("notifications:ical", args=[feed])),
        },
    )


def ical(request: HttpRequest, token: str) -> HttpResponse:
    """The person's iCalendar feed; the token in the URL is the only credential (a calendar app
    cannot log in). An unknown token, or an inactive person's, is a 404."""
    found = (
        PersonalSettings.objects.filter(calendar_token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if found is None:
        raise Http404
    body = calendar.ical(user=found.user, site=django_settings.SITE_URL)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jinzhong-crm.ics"'
    return response


# --- group robots (city staff) -----------------------------------------------------------------------
robot_manager = requires(is_city_editor, gettext_lazy("Only city staff manage group robots."))


def _robot_form_save(request: HttpRequest, form: RobotForm, robot: GroupRobot | None) -> bool:
    try:
        services.robot_save(
            by=request.user,
            robot=robot,
            name=form.cleaned_data["name"],
            region=form.cleaned_data["region"],
            channel=form.cleaned_data["channel"],
            url=form.cleaned_data["url"],
            secret=form.secret_to_save(),
            is_active=form.cleaned_data["is_active"],
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    return True


@login_required
@robot_manager
def robots(request: HttpRequest) -> HttpResponse:
    """The 企业微信 / 钉钉 group robots: a county's own group gets its region's red lights and 督办
    items, a city-wide one every region's."""
    form = RobotForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid() and _robot_form_save(request, form, None):
        messages.success(request, _("Group robot saved."))
        return redirect("notifications:robots")
    return render(
        request,
        "notifications/robots.html",
        {"robots": GroupRobot.objects.select_related("region"), "form": form},
    )


@login_required
@robot_manager
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_object_or_404(GroupRobot, pk=pk)
    form = RobotForm(
        request.POST or None,
        initial={
            "name": robot.name,
            "region": robot.region_id,
            "channel": robot.channel,
            "url": robot.url,
            "is_active": robot.is_active,
        },
    )
    if request.method == "POST" and form.is_valid() and _robot_form_save(request, form, robot):
        messages.success(request, _("Group robot saved."))
        return redirect("notifications:robots")
    return render(request, "notifications/robot_form.html", {"robot": robot, "form": form})


@login_required
@robot_manager
@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_object_or_404(GroupRobot, pk=pk)
    services.robot_delete(by=request.user, robot=robot)
    messages.success(request, _("Group robot removed."))
    return redirect("notifications:robots")
