"""What a person should hear about, read from the records themselves (no fan-out rows): their due
next steps, new red lights, 督办 items due or overdue, new 首报首谈 conflicts — each scoped by
core.scoping, so nobody hears of a project they may not see. The bell and the daily digest both
read `notices`; one path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import scope
from lights.models import LightChange, SupervisionItem
from lights.selectors import UNFINISHED
from projects.models import Light
from projects.selectors import conflicts_shown, follow_ups_due, open_conflicts
from verification.models import MilestoneClaim, State

from .models import Kind, PersonalSettings

SUPERVISION_DUE_SOON_DAYS = 3
MAX_PER_KIND = 50


@dataclass(frozen=True)
class Notice:
    kind: str
    when: dt.datetime
    text: str
    url: str


def personal_settings(user, *, create: bool = False) -> PersonalSettings:
    """The person's settings; for reading, the defaults (unsaved) when they never saved any, so
    that showing a page writes nothing."""
    if create:
        return PersonalSettings.objects.get_or_create(user=user)[0]
    return PersonalSettings.objects.filter(user=user).first() or PersonalSettings(user=user)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def notices(*, user, since: dt.datetime, today: dt.date | None = None) -> dict[str, list[Notice]]:
    """Per kind the user has not opted out of: what is new since `since` (red lights, conflicts)
    or standing as of `today` (next steps due within a week, 督办 due within 3 days or overdue)."""
    today = today or timezone.localdate()
    wanted = personal_settings(user)
    found: dict[str, list[Notice]] = {}
    if wanted.wants(Kind.NEXT_STEPS):
        found[Kind.NEXT_STEPS] = [
            Notice(
                Kind.NEXT_STEPS,
                _start_of(f.next_due_on),
                _("%(project)s: %(step)s (due %(day)s)")
                % {"project": f.project.name, "step": f.next_step or "—", "day": f.next_due_on},
                reverse("projects:detail", args=[f.project_id]),
            )
            for f in follow_ups_due(user=user, today=today)[:MAX_PER_KIND]
        ]
    if wanted.wants(Kind.RED_LIGHTS):
        found[Kind.RED_LIGHTS] = _red_lights(scope(LightChange.objects.all(), user), since)
    if wanted.wants(Kind.SUPERVISION):
        found[Kind.SUPERVISION] = _supervision(scope(SupervisionItem.objects.all(), user), today)
    if wanted.wants(Kind.CONFLICTS):
        conflicts = conflicts_shown(
            open_conflicts(user=user)
            .filter(created_at__gt=since)
            .order_by("-created_at")[:MAX_PER_KIND],
            user=user,
        )
        found[Kind.CONFLICTS] = [
            Notice(
                Kind.CONFLICTS,
                c.created_at,
                _("First-report conflict: %(investor)s (%(project)s / %(holder)s)")
                % {
                    "investor": c.project.investor.name,
                    "project": c.project.name if c.project_visible else c.project.region.name,
                    "holder": c.holder.name if c.holder_visible else c.holder.region.name,
                },
                reverse("projects:conflicts"),
            )
            for c in conflicts
        ]
    if wanted.wants(Kind.RETURNED):
        # Standing while the evidence stays returned: it leaves the list once it is submitted again.
        returned = (
            scope(MilestoneClaim.objects.all(), user)
            .filter(owner=user, state=State.RETURNED)
            .select_related("project")
            .order_by("-decided_at", "-id")[:MAX_PER_KIND]
        )
        found[Kind.RETURNED] = [
            Notice(
                Kind.RETURNED,
                c.decided_at or c.updated_at,
                _("Evidence returned: %(project)s, %(milestone)s: %(reason)s")
                % {
                    "project": c.project.name,
                    "milestone": c.get_kind_display(),
                    "reason": c.return_reason,
                },
                reverse("verification:detail", args=[c.pk]),
            )
            for c in returned
        ]
    return found


def _red_lights(changes, since: dt.datetime) -> list[Notice]:
    """Lights that turned red since `since`, of the history rows `changes` (already scoped)."""
    changes = (
        changes.filter(light=Light.RED, recorded_at__gt=since)
        .exclude(previous_light=Light.RED)
        .select_related("project", "project__region")
        .order_by("-recorded_at", "-id")[:MAX_PER_KIND]
    )
    return [
        Notice(
            Kind.RED_LIGHTS,
            c.recorded_at,
            _("Red light: %(project)s (%(region)s), since %(day)s")
            % {
                "project": c.project.name,
                "region": c.project.region.name,
                "day": c.since or c.as_of,
            },
            reverse("projects:detail", args=[c.project_id]),
        )
        for c in changes
    ]


def _supervision(items, today: dt.date) -> list[Notice]:
    """Unfinished 督办 items of `items` (already scoped) due within 3 days or overdue."""
    items = (
        items.filter(
            status__in=UNFINISHED,
            due_on__lte=today + dt.timedelta(days=SUPERVISION_DUE_SOON_DAYS),
        )
        .select_related("project")
        .order_by("due_on", "id")[:MAX_PER_KIND]
    )
    return [
        Notice(
            Kind.SUPERVISION,
            max(i.updated_at, _start_of(i.due_on)) if i.due_on <= today else i.updated_at,
            (
                _("Overdue supervision item: %(project)s (due %(day)s)")
                if i.due_on < today
                else _("Supervision item due: %(project)s (due %(day)s)")
            )
            % {"project": i.project.name, "day": i.due_on},
            reverse("lights:supervision_detail", args=[i.pk]),
        )
        for i in items
    ]


def group_notices(*, region_id: int | None, since: dt.datetime, today: dt.date) -> dict:
    """What a group robot (GroupRobot) hears of: the red lights and 督办 items a person of its
    scope hears of (the same two lists as `notices`), for one region, or the whole city when
    `region_id` is None. Deleted projects are left out."""
    changes = LightChange.objects.filter(project__is_deleted=False)
    items = SupervisionItem.objects.filter(project__is_deleted=False)
    if region_id is not None:
        changes = changes.filter(region_id=region_id)
        items = items.filter(region_id=region_id)
    return {
        Kind.RED_LIGHTS: _red_lights(changes, since),
        Kind.SUPERVISION: _supervision(items, today),
    }


def bell(*, user) -> tuple[int, dict[str, list[Notice]]]:
    """(unread count, notices): unread are those that arrived since the bell was last opened (by
    default, in the last 7 days)."""
    seen = personal_settings(user).bell_seen_at
    since = seen or timezone.now() - dt.timedelta(days=7)
    found = notices(user=user, since=since)
    unread = sum(1 for items in found.values() for n in items if n.when > since)
    return unread, found
