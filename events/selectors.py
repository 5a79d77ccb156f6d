"""Reads for the event pages, the statistics page and its export.

Events themselves are not confidential (every signed-in user sees the list and the totals, as
DESIGN.md grants everyone the aggregated figures); the projects behind them go through
`accounts.scoping.scope_projects`, so a county official sees another county's signing only as a masked
row with its amount."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.scoping import CITY_EDIT_ROLES, scope, scope_projects
from core.models import Region
from core.periods import Period
from projects.models import Project

from .filtersets import EventFilterSet
from .models import BatchMilestone, PromotionEvent, Signing, StatsGroup


def event_queryset(*, user) -> QuerySet[PromotionEvent]:
    """Events, newest first, with their signing totals (every signed-in user reads them all)."""
    return (
        PromotionEvent.objects.select_related("kind")
        .prefetch_related(
            Prefetch("organisers", queryset=Region.objects.only("id", "code", "name"))
        )
        .annotate(
            signing_count=Count("signings", distinct=True),
            signing_total=Sum("signings__amount"),
        )
        .order_by("-start_on", "-id")
    )


def event_list(*, user, params) -> tuple[EventFilterSet, QuerySet[PromotionEvent]]:
    """The filtered list behind /events/ and its export (the API filters the same queryset with the
    same FilterSet). Filters that do not validate are shown on the page and the list is left
    unfiltered."""
    base = event_queryset(user=user)
    filterset = EventFilterSet(params, queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base)


def group_by_month(events) -> list[tuple[dt.date, list[PromotionEvent]]]:
    """[(first day of month, events)], in the order given: the calendar view of the list."""
    return [
        (month, list(items))
        for month, items in groupby(events, key=lambda e: e.start_on.replace(day=1))
    ]


@dataclass
class SigningRow:
    signing: Signing
    visible: bool


@dataclass
class EventTotals:
    count: int
    amount: Decimal  # 万元
    by_kind: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


def event_signings(*, event: PromotionEvent, user) -> list[SigningRow]:
    signings = list(
        event.signings.select_related("project", "project__region", "project__investor").order_by(
            "-amount", "id"
        )
    )
    visible = set(
        scope_projects(Project.objects.all(), user)
        .filter(pk__in=[s.project_id for s in signings])
        .values_list("pk", flat=True)
    )
    return [SigningRow(s, s.project_id in visible) for s in signings]


def project_signings(*, project: Project, user) -> QuerySet[Signing]:
    """A project's signings, oldest first, with their events (the project page's 签约记录)."""
    return scope(Signing.objects.filter(project=project).select_related("event"), user).order_by(
        "signed_on", "id"
    )


def events_for_signing(*, user) -> QuerySet[PromotionEvent]:
    """The events `user` may record a signing at, newest first: every event they can see, narrowed
    to those their region organises unless they edit city-wide (the rule of
    `services.can_edit_event`, so the form never offers an event the service would refuse)."""
    qs = scope(PromotionEvent.objects.all(), user).order_by("-start_on", "-id")
    if not (user.is_superuser or user.role in CITY_EDIT_ROLES):
        if user.region_id is None:
            return qs.none()
        qs = qs.filter(organisers=user.region_id)
    return qs


def event_totals(*, event: PromotionEvent) -> EventTotals:
    rows = event.signings.values("agreement_kind").annotate(n=Count("id"), total=Sum("amount"))
    by_kind = {r["agreement_kind"]: (r["n"], r["total"] or Decimal(0)) for r in rows}
    return EventTotals(
        count=sum(n for n, _t in by_kind.values()),
        amount=sum((t for _n, t in by_kind.values()), Decimal(0)),
        by_kind=by_kind,
    )


def event_batch(*, event: PromotionEvent, user) -> dict[str, dict]:
    """「三个一批」 records by milestone: count, planned investment and the visible projects."""
    result: dict[str, dict] = {}
    records = event.batch_milestones.select_related("project", "project__region")
    visible = set(
        scope_projects(Project.objects.all(), user)
        .filter(batch_milestones__event=event)
        .values_list("pk", flat=True)
    )
    for milestone, label in BatchMilestone.Milestone.choices:
        items = [r for r in records if r.milestone == milestone]
        result[milestone] = {
            "label": label,
            "count": len(items),
            "amount": sum((r.project.planned_investment for r in items), Decimal(0)),
            "output": sum(
                (r.project.expected_annual_output or Decimal(0) for r in items), Decimal(0)
            ),
            "rows": [(r, r.project_id in visible) for r in items],
        }
    return result


# --- activity statistics ----------------------------------------------------------------------------
@dataclass
class StatsLine:
    """One line of the statistics: events and distinct projects negotiated, for activities and for
    small-team trips."""

    label: str
    code: str = ""
    activities: int = 0
    activity_projects: int = 0
    trips: int = 0
    trip_projects: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.activities or self.trips)


@dataclass
class ActivityStats:
    year: int
    quarter: int | None
    region: Region | None
    start: dt.date
    end: dt.date
    total: StatsLine
    by_region: list[StatsLine]
    by_month: list[StatsLine]


def _fill(line: StatsLine, group: str, events: int, projects: int) -> None:
    if group == StatsGroup.ACTIVITY:
        line.activities, line.activity_projects = events, projects
    elif group == StatsGroup.TRIP:
        line.trips, line.trip_projects = events, projects


def activity_stats(
    *, year: int, quarter: int | None = None, region: Region | None = None
) -> ActivityStats:
    """Events, small-team trips and projects negotiated, by region and by month, for a year or a
    quarter (by the event's start date). An event organised by two regions counts once for each
    region and once in the total; a project negotiated at several events counts once per line."""
    period = Period.of_quarter(year, quarter) if quarter else Period.of_year(year)
    start, end = period.start, period.end
    events = PromotionEvent.objects.filter(start_on__range=(start, end)).exclude(
        kind__stats_group=StatsGroup.NONE
    )
    if region is not None:
        events = events.filter(organisers=region)
    measures = {
        "n_events": Count("id", distinct=True),
        "n_projects": Count("projects_negotiated", distinct=True),
    }

    total = StatsLine(label="")
    for row in events.values("kind__stats_group").annotate(**measures).order_by():
        _fill(total, row["kind__stats_group"], row["n_events"], row["n_projects"])

    regions = list(Region.objects.all()) if region is None else [region]
    lines = {r.pk: StatsLine(label=r.name, code=r.code) for r in regions}
    per_region = (
        PromotionEvent.objects.filter(pk__in=events.values("pk"))
        .filter(organisers__in=regions)
        .values("organisers", "kind__stats_group")
        .annotate(**measures)
        .order_by()
    )
    for row in per_region:
        _fill(
            lines[row["organisers"]], row["kind__stats_group"], row["n_events"], row["n_projects"]
        )

    months: dict[dt.date, StatsLine] = {}
    month = start
    while month <= end:
        months[month] = StatsLine(label=f"{month.year}-{month.month:02d}")
        month = (month + dt.timedelta(days=32)).replace(day=1)
    per_month = (
        events.annotate(month=TruncMonth("start_on"))
        .values("month", "kind__stats_group")
        .annotate(**measures)
        .order_by()
    )
    for row in per_month:
        _fill(months[row["month"]], row["kind__stats_group"], row["n_events"], row["n_projects"])

    return ActivityStats(
        year=year,
        quarter=quarter,
        region=region,
        start=start,
        end=end,
        total=total,
        by_region=list(lines.values()),
        by_month=list(months.values()),
    )


def default_stats_year(today: dt.date) -> int:
    """The latest year with a counted event up to today, else this year."""
    latest = (
        PromotionEvent.objects.filter(start_on__lte=today)
        .exclude(kind__stats_group=StatsGroup.NONE)
        .order_by("-start_on")
        .values_list("start_on", flat=True)
        .first()
    )
    return latest.year if latest else today.year


def stats_years() -> list[int]:
    years = PromotionEvent.objects.dates("start_on", "year", order="DESC")
    return [d.year for d in years]
