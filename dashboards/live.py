"""Rollup totals computed live from projects and funds, for /api/v1/rollups/.

A stand-in until the rollup tables (dashboards issue) land: the API then reads those tables with
the same arguments and the same row shape, and this module becomes the reference the tables are
tested against (rollup equals live aggregate). Four GROUP BY queries whatever the grouping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear

from core.scoping import scope_projects
from projects.models import FundsInPlace, Project

DIMENSIONS = ("region", "chain", "method", "park", "month", "quarter")
MEASURES = (
    "signed_count",
    "signed_amount",
    "started_count",
    "started_amount",
    "expected_start_amount",
    "funds_in_place_amount",
)
# The key a client codes against and, beside it, the name shown to people.
_DIM_PATHS = {
    "region": ("region__code", "region__name"),
    "chain": ("chain__code", "chain__name"),
    "method": ("method__code", "method__name"),
    "park": ("park__id", "park__name"),
}
ZERO = Decimal("0.000000")


@dataclass(frozen=True)
class Period:
    start: dt.date | None
    end: dt.date | None  # inclusive


def period_for(
    *,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Period:
    """year / year+quarter / year+month, narrowed further by from/to (all inclusive)."""
    start = end = None
    if year is not None:
        if month is not None:
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        elif quarter is not None:
            start = dt.date(year, 3 * quarter - 2, 1)
            end = (dt.date(year, 3 * quarter, 1) + dt.timedelta(days=32)).replace(
                day=1
            ) - dt.timedelta(days=1)
        else:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if date_from is not None:
        start = max(start, date_from) if start else date_from
    if date_to is not None:
        end = min(end, date_to) if end else date_to
    return Period(start, end)


def _in_period(qs: QuerySet, field: str, period: Period) -> QuerySet:
    qs = qs.filter(**{f"{field}__isnull": False})
    if period.start:
        qs = qs.filter(**{f"{field}__gte": period.start})
    if period.end:
        qs = qs.filter(**{f"{field}__lte": period.end})
    return qs


def _grouped(
    qs: QuerySet, *, date_field: str, group_by: Sequence[str], prefix: str = ""
) -> tuple[QuerySet, list[str]]:
    """Annotate year/month/quarter of `date_field` as needed and return .values() on the dims."""
    names: list[str] = []
    annotations = {}
    for dim in group_by:
        if dim in _DIM_PATHS:
            names += [prefix + p for p in _DIM_PATHS[dim]]
    if "month" in group_by or "quarter" in group_by:
        annotations["_y"] = ExtractYear(date_field)
        names.append("_y")
    if "month" in group_by:
        annotations["_m"] = ExtractMonth(date_field)
        names.append("_m")
    if "quarter" in group_by:
        annotations["_q"] = ExtractQuarter(date_field)
        names.append("_q")
    return qs.annotate(**annotations).values(*names).order_by(), names


def _key(row: dict, group_by: Sequence[str], prefix: str = "") -> tuple:
    key = []
    for dim in group_by:
        if dim in _DIM_PATHS:
            key.append(row[prefix + _DIM_PATHS[dim][0]])
        elif dim == "month":
            key.append(f"{row['_y']:04d}-{row['_m']:02d}")
        elif dim == "quarter":
            key.append(f"{row['_y']:04d}Q{row['_q']}")
    return tuple(key)


def rollup_live(*, user, group_by: Sequence[str], period: Period) -> list[dict]:
    """Totals of the projects the user may see, one row per combination of `group_by` values
    that has any figure. Amounts are 万元 Decimals; counts ints."""
    group_by = [d for d in DIMENSIONS if d in group_by]  # stable order, no duplicates
    projects = scope_projects(Project.objects.all(), user)
    rows: dict[tuple, dict] = {}
    names: dict[tuple, dict] = {}

    def add(qs, *, date_field, prefix, measures):
        if group_by:
            grouped, _names = _grouped(qs, date_field=date_field, group_by=group_by, prefix=prefix)
            found = grouped.annotate(**measures)
        else:  # `.values()` with no fields would group by every column
            found = [qs.aggregate(**measures)]
        for row in found:
            key = _key(row, group_by, prefix)
            target = rows.setdefault(key, {})
            for measure in measures:
                target[measure] = row[measure]
            label = names.setdefault(key, {})
            for dim in group_by:
                if dim in _DIM_PATHS:
                    label[f"{dim}_name"] = row[prefix + _DIM_PATHS[dim][1]]

    add(
        _in_period(projects, "signed_on", period),
        date_field="signed_on",
        prefix="",
        measures={"signed_count": Count("id"), "signed_amount": Sum("planned_investment")},
    )
    add(
        _in_period(projects, "started_on", period),
        date_field="started_on",
        prefix="",
        measures={"started_count": Count("id"), "started_amount": Sum("planned_investment")},
    )
    add(
        _in_period(projects, "planned_start_on", period),
        date_field="planned_start_on",
        prefix="",
        measures={"expected_start_amount": Sum("planned_investment")},
    )
    add(
        _in_period(FundsInPlace.objects.filter(project__in=projects), "month", period),
        date_field="month",
        prefix="project__",
        measures={"funds_in_place_amount": Sum("amount")},
    )

    result = []
    for key in sorted(rows, key=lambda k: tuple((v is None, str(v)) for v in k)):
        out: dict = {}
        for dim, value in zip(group_by, key, strict=True):
            out[dim] = value
            if dim in _DIM_PATHS:
                out[f"{dim}_name"] = names[key].get(f"{dim}_name")
        figures = rows[key]
        for measure in MEASURES:
            value = figures.get(measure)
            if measure.endswith("_count"):
                out[measure] = value or 0
            else:
                out[measure] = (value or ZERO).quantize(ZERO)
        result.append(out)
    if not group_by and not result:
        result.append({m: 0 if m.endswith("_count") else ZERO for m in MEASURES})
    return result
