"""Reads of lights and 督办 items for pages, the API and the dashboards; all scoped by the user."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.scoping import scope, scope_projects
from projects.models import Light, Project, lights_in_force_on

from .models import LightChange, LightDayMark, LightDayTally, LightRule, SupervisionItem

UNFINISHED = [SupervisionItem.Status.OPEN, SupervisionItem.Status.RETURNED]


def current_rules() -> QuerySet[LightRule]:
    return LightRule.objects.filter(is_current=True).select_related("region", "chain")


def rule_versions(series: int) -> QuerySet[LightRule]:
    return LightRule.objects.filter(series=series).select_related("created_by").order_by("-version")


def light_counts_by_region(*, user) -> dict[int, dict[str, int]]:
    """{region id: {"red": n, "yellow": m}} over the projects the user may see."""
    rows = (
        scope_projects(Project.objects.filter(light__in=[Light.RED, Light.YELLOW]), user)
        .order_by()
        .values("region_id", "light")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["region_id"], {"red": 0, "yellow": 0})[row["light"]] = row["n"]
    return counts


def light_history(*, user, project: Project) -> QuerySet[LightChange]:
    return scope(LightChange.objects.filter(project=project), user).select_related("rule")[:20]


def supervision_queryset(*, user) -> QuerySet[SupervisionItem]:
    return scope(SupervisionItem.objects.all(), user).select_related(
        "project", "project__region", "owner"
    )


def supervision_list(*, user, status: str = "", region=None, age: str = "", today=None):
    today = today or timezone.localdate()
    qs = supervision_queryset(user=user)
    if status == "overdue":
        qs = qs.filter(status__in=UNFINISHED, due_on__lt=today)
    elif status:
        qs = qs.filter(status=status)
    if region is not None:
        qs = qs.filter(project__region=region)
    if age:
        qs = qs.filter(created_at__lt=timezone.now() - dt.timedelta(days=int(age)))
    return qs.order_by("due_on", "id")


def overdue_items(*, user, today=None) -> QuerySet[SupervisionItem]:
    today = today or timezone.localdate()
    return supervision_queryset(user=user).filter(status__in=UNFINISHED, due_on__lt=today)


def supervision_counts(*, user, today=None) -> dict[str, int]:
    today = today or timezone.localdate()
    return supervision_queryset(user=user).aggregate(
        open=Count("id", filter=Q(status__in=UNFINISHED)),
        answered=Count("id", filter=Q(status=SupervisionItem.Status.ANSWERED)),
        overdue=Count("id", filter=Q(status__in=UNFINISHED, due_on__lt=today)),
    )


def light_counts_on(day: dt.date, *, stage: str | None = None) -> dict[tuple[int, str], int]:
    """{(region id, light): number of projects} with a red or yellow light on `day`, by the light
    history (projects.models.lights_in_force_on), optionally only those then in `stage`. Every
    project counts, confidential included: an aggregated figure every region's officials may read
    (DESIGN.md, Access). The region is the one the history row recorded (the project's then).

    Read from the day's LightDayTally: counted (one GROUP BY over the history) the first time a
    day is asked for, and from then on kept exact by the writers of the history, in their own
    transaction (lights.services._follow_day_tallies), so a counted day is read from the tally
    alone. A row deleted with its project (a hard delete) is not noticed until a recount."""
    counts: dict[tuple[int, str], int] = {}
    for region_id, row_stage, light, n in _day_tally(day):
        if stage is None or row_stage == stage:
            counts[(region_id, light)] = counts.get((region_id, light), 0) + n
    return counts


# A counted day's tally and its mark in one statement: no row at all when the day was never
# counted, one row of nulls when it was and nothing was lit (the ORM cannot join the two tables:
# they share the day, not a key).
_COUNTED_DAY = (
    "SELECT t.region_id, t.stage, t.light, t.count FROM lights_lightdaymark m "
    "LEFT JOIN lights_lightdaytally t ON t.day = m.day WHERE m.day = %s"
)


def _day_tally(day: dt.date) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(_COUNTED_DAY, [day])
        counted = cursor.fetchall()
    if counted:
        return [row for row in counted if row[3] is not None]
    tally = LightDayTally.objects.filter(day=day).values_list(
        "region_id", "stage", "light", "count"
    )
    with transaction.atomic():
        # One count at a time per day: the mark's row is the lock. The history's writers adjust
        # the counted days in their transactions, so rows recorded after the mark's are counted.
        mark, _created = LightDayMark.objects.get_or_create(day=day, defaults={"upto": -1})
        mark = LightDayMark.objects.select_for_update().get(pk=mark.pk)
        if mark.upto == -1:
            last = LightChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            rows = (
                lights_in_force_on(day, upto=last)
                .filter(light__in=[Light.RED, Light.YELLOW])
                .order_by()
                .values("region_id", "stage", "light")
                .annotate(n=Count("id"))
            )
            LightDayTally.objects.filter(day=day).delete()
            LightDayTally.objects.bulk_create(
                LightDayTally(
                    day=day,
                    region_id=r["region_id"],
                    stage=r["stage"],
                    light=r["light"],
                    count=r["n"],
                )
                for r in rows
            )
            LightDayMark.objects.filter(pk=mark.pk).update(upto=last)
        return list(tally)


def history_day(day: dt.date) -> dt.date:
    """The day a period's lights are read for: its end, or today while it is still running."""
    return min(day, timezone.localdate())


def red_light_counts(day: dt.date) -> dict[int, int]:
    """{region id: number of projects red on `day`}: the county assessment's deduction for the
    period that ends on `day` (a later day is read as today: the history has nothing beyond)."""
    day = history_day(day)
    return {
        region_id: n for (region_id, light), n in light_counts_on(day).items() if light == Light.RED
    }
