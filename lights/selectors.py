"""Reads of lights and 督办 items for pages, the API and the dashboards; all scoped by the user."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.scoping import scope, scope_projects
from projects.models import Light, Project

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


def red_light_counts() -> dict[int, int]:
    """{region id: number of red-lit live projects} over every project, confidential included:
    the county assessment's deduction, an aggregated figure every region's officials may read
    (DESIGN.md, Access). A snapshot of now: lights are stored on the projects, not by period."""
    rows = (
        Project.objects.filter(light=Light.RED)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    return dict(rows)
