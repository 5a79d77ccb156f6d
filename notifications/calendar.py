"""The follow-up calendar: a person's next steps and 督办 due dates, and the promotion events, for
a month grid (/calendar/) and an iCalendar feed (RFC 5545) at a per-person token URL, so a phone's
calendar app can subscribe without a login. The feed shows exactly what the page shows its owner."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import scope, scope_projects
from events.models import PromotionEvent
from lights.models import SupervisionItem
from lights.selectors import UNFINISHED
from projects.models import FollowUp, Project


@dataclass(frozen=True)
class Entry:
    uid: str
    kind: str  # "next_step", "supervision", "event"
    day: dt.date
    end: dt.date
    title: str
    url: str


def entries(*, user, start: dt.date, end: dt.date) -> list[Entry]:
    """Everything on the person's calendar between `start` and `end` (inclusive)."""
    found: list[Entry] = []
    steps = (
        FollowUp.objects.filter(
            project__in=scope_projects(Project.objects.all(), user),
            next_done=False,
            next_due_on__gte=start,
            next_due_on__lte=end,
        )
        .filter(Q(project__owner=user) | Q(author=user))
        .select_related("project")
        .order_by("next_due_on", "id")
    )
    for f in steps:
        found.append(
            Entry(
                f"followup-{f.pk}",
                "next_step",
                f.next_due_on,
                f.next_due_on,
                f"{f.project.name}:{f.next_step or _('next step')}",
                reverse("projects:detail", args=[f.project_id]),
            )
        )
    items = (
        scope(SupervisionItem.objects.all(), user)
        .filter(status__in=UNFINISHED, due_on__gte=start, due_on__lte=end)
        .select_related("project")
        .order_by("due_on", "id")
    )
    for i in items:
        found.append(
            Entry(
                f"supervision-{i.pk}",
                "supervision",
                i.due_on,
                i.due_on,
                _("Supervision due: %(project)s") % {"project": i.project.name},
                reverse("lights:supervision_detail", args=[i.pk]),
            )
        )
    events = PromotionEvent.objects.filter(start_on__lte=end, end_on__gte=start).order_by(
        "start_on", "id"
    )
    for e in events:
        found.append(
            Entry(
                f"event-{e.pk}",
                "event",
                e.start_on,
                e.end_on,
                e.title,
                reverse("events:detail", args=[e.pk]),
            )
        )
    return sorted(found, key=lambda x: (x.day, x.kind, x.uid))


def month_grid(*, user, year: int, month: int) -> list[list[dict]]:
    """Weeks (Monday first) of days, each with its entries; days outside the month are None."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, pycalendar.monthrange(year, month)[1])
    by_day: dict[dt.date, list[Entry]] = {}
    for e in entries(user=user, start=first, end=last):
        day = max(e.day, first)
        while day <= min(e.end, last):
            by_day.setdefault(day, []).append(e)
            day += dt.timedelta(days=1)
    weeks = []
    for week in pycalendar.Calendar().monthdatescalendar(year, month):
        weeks.append(
            [{"day": d, "entries": by_day.get(d, [])} if d.month == month else None for d in week]
        )
    return weeks


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 lines are at most 75 octets; longer ones continue after CRLF + space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 74:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def ical(*, user, site: str, today: dt.date | None = None) -> str:
    """The person's feed: three months back to a year ahead."""
    today = today or timezone.localdate()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Jinzhong CRM//follow-ups//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(_('Jinzhong CRM follow-ups'))}",
    ]
    for e in entries(
        user=user, start=today - dt.timedelta(days=92), end=today + dt.timedelta(days=366)
    ):
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}@jinzhong-crm",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{e.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{e.end + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(e.title)}",
            f"URL:{site}{e.url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
