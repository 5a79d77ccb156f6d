"""Reads of lights and 督办 items for pages, the API and the dashboards; all scoped by the user."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.scoping import scope, scope_projects
from projects.models import Light, Project, lights_in_force_on

from .models import LightChange, LightRule, SupervisionItem

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


def overdue_panel_items(*, user, today=None) -> QuerySet[SupervisionItem]:
    """Overdue items without the project join (the dashboard's panel reads names by id)."""
    today = today or timezone.localdate()
    return scope(SupervisionItem.objects.all(), user).filter(
        status__in=UNFINISHED, due_on__lt=today
    )


def light_counts_on(day: dt.date, *, stage: str | None = None) -> dict[tuple[int, str], int]:
    """{(region id, light): number of projects} with a red or yellow light on `day`, read from the
    light history (projects.models.lights_in_force_on), optionally only those then in `stage`.
    Every project counts, confidential included: an aggregated figure every region's officials may
    read (DESIGN.md, Access). The region is the one the history row recorded (the project's region
    then): the history alone is read, never the projects table."""
    rows = lights_in_force_on(day).filter(light__in=[Light.RED, Light.YELLOW])
    if stage is not None:
        rows = rows.filter(stage=stage)
    rows = rows.order_by().values("region_id", "light").annotate(n=Count("id"))
    return {(r["region_id"], r["light"]): r["n"] for r in rows}


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
