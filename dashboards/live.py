"""Totals for /api/v1/rollups/, read from the rollup tables (`rollup_totals`).

Whole months come from the fine monthly cells (one grouped query, plus one small name lookup per
named dimension asked for). A `from` / `to` that cuts a month in two is the one case the monthly
cells cannot answer: those partial edge months are added from a live aggregate over projects
(`rollup_live`, five GROUP BY queries over a few days' index range), which is also the reference the
tables are tested against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear

from accounts.scoping import (
    is_city_wide,
    scope_projects,
    scoped_region_id,
    sees_confidential_everywhere,
)
from core.models import IndustryChain, PromotionMethod, Region
from enterprises.models import IndustrialPark
from projects.models import CompletedInvestment, FundsInPlace, Project, counts_as_signed
from rollups.locks import split_months
from rollups.models import MonthlyRollup, counted_agreement_kinds
from verification.models import MilestoneClaim, State

from .periods import Period

DIMENSIONS = ("region", "chain", "method", "park", "month", "quarter")
MEASURES = (
    "signed_count",
    "signed_amount",
    "started_count",
    "started_amount",
    "expected_start_amount",
    "funds_in_place_amount",
    "completed_investment_amount",
    # Verified beside reported (issue 21): the same figures counting only milestones whose
    # evidence a city verifier accepted.
    "verified_signed_count",
    "verified_signed_amount",
    "verified_started_count",
    "verified_started_amount",
    "verified_funds_in_place_amount",
)
# The key a client codes against and, beside it, the name shown to people.
_DIM_PATHS = {
    "region": ("region__code", "region__name"),
    "chain": ("chain__code", "chain__name"),
    "method": ("method__code", "method__name"),
    "park": ("park__id", "park__name"),
}
ZERO = Decimal("0.000000")


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


def _verified(kind: str) -> Exists:
    """The project has a verified evidence claim of `kind`."""
    return Exists(
        MilestoneClaim.objects.filter(project=OuterRef("pk"), kind=kind, state=State.VERIFIED)
    )


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

    add(  # signed projects under the counting caliber (口径), as the rollups count them
        _in_period(
            projects.filter(counts_as_signed(counted_agreement_kinds())), "signed_on", period
        ),
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
    add(
        _in_period(CompletedInvestment.objects.filter(project__in=projects), "month", period),
        date_field="month",
        prefix="project__",
        measures={"completed_investment_amount": Sum("amount")},
    )
    add(
        _in_period(
            projects.filter(counts_as_signed(counted_agreement_kinds()), _verified("signed")),
            "signed_on",
            period,
        ),
        date_field="signed_on",
        prefix="",
        measures={
            "verified_signed_count": Count("id"),
            "verified_signed_amount": Sum("planned_investment"),
        },
    )
    add(
        _in_period(projects.filter(_verified("started")), "started_on", period),
        date_field="started_on",
        prefix="",
        measures={
            "verified_started_count": Count("id"),
            "verified_started_amount": Sum("planned_investment"),
        },
    )
    add(
        _in_period(
            FundsInPlace.objects.filter(project__in=projects).filter(
                Exists(
                    MilestoneClaim.objects.filter(
                        object_id=OuterRef("pk"), kind="funds", state=State.VERIFIED
                    )
                )
            ),
            "month",
            period,
        ),
        date_field="month",
        prefix="project__",
        measures={"verified_funds_in_place_amount": Sum("amount")},
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


# --- from the rollup tables ----------------------------------------------------------------------
# Dimension -> (fine cell column, reference model, the key clients code against).
_CELL_DIMS = {
    "region": ("region_id", Region, "code"),
    "chain": ("chain_id", IndustryChain, "code"),
    "method": ("method_id", PromotionMethod, "code"),
    "park": ("park_id", IndustrialPark, "id"),
}
_CELL_MEASURES = {
    "signed_count": "signed_count",
    "signed_amount": "signed_amount",
    "started_count": "started_count",
    "started_amount": "started_amount",
    "expected_start_amount": "expected_start_amount",
    "funds_in_place_amount": "funds_amount",
    "completed_investment_amount": "completed_amount",
    "verified_signed_count": "signed_verified_count",
    "verified_signed_amount": "signed_verified_amount",
    "verified_started_count": "started_verified_count",
    "verified_started_amount": "started_verified_amount",
    "verified_funds_in_place_amount": "funds_verified_amount",
}


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _split(period: Period) -> tuple[Period | None, list[Period]]:
    """The whole months of a period (read from rollups) and its partial edge months (live)."""
    start, end = period.start, period.end
    if start is not None and end is not None and start > end:
        return None, []
    edges = []
    whole_start, whole_end = start, end
    if start is not None and start.day != 1:
        edge_end = _first_of_next_month(start) - dt.timedelta(days=1)
        edges.append(Period(start, min(edge_end, end) if end else edge_end))
        whole_start = edge_end + dt.timedelta(days=1)
    if end is not None and _first_of_next_month(end) - dt.timedelta(days=1) != end:
        edge_start = max(end.replace(day=1), start) if start else end.replace(day=1)
        if not edges or edges[0].start != edge_start:
            edges.append(Period(edge_start, end))
        whole_end = end.replace(day=1) - dt.timedelta(days=1)
    if whole_start is not None and whole_end is not None and whole_start > whole_end:
        return None, edges
    return Period(whole_start, whole_end), edges


def _scoped_cells(user, cells=None):
    """The fine cells of the projects `user` may see (the same rule as accounts.scoping's projects:
    county users their region, city-wide API clients all but confidential ones). `cells`: a
    locked period's snapshot cells (the same columns) instead of the live ones."""
    cells = MonthlyRollup.objects.all() if cells is None else cells
    if not (user is not None and user.is_authenticated and user.is_active):
        return cells.none()
    if not is_city_wide(user):
        region_id = scoped_region_id(user)
        if region_id is None:
            return cells.none()
        cells = cells.filter(region_id=region_id)
    elif not sees_confidential_everywhere(user):
        cells = cells.filter(is_confidential=False)
    return cells


def _from_cells(*, user, group_by: Sequence[str], period: Period, cells=None) -> tuple[dict, dict]:
    """Rows keyed like rollup_live's (dimension values in DIMENSIONS order) and their names."""
    cells = _scoped_cells(user, cells)
    if period.start is not None:
        cells = cells.filter(month__gte=period.start)
    if period.end is not None:
        cells = cells.filter(month__lte=period.end)
    columns = [_CELL_DIMS[d][0] for d in group_by if d in _CELL_DIMS]
    if "month" in group_by or "quarter" in group_by:
        columns.append("month")
    # Aliases must not shadow the columns summed (t_ prefix).
    sums = {f"t_{m}": Sum(col) for m, col in _CELL_MEASURES.items()}
    # rollup_live has a row where any of its measures found a record; so does this.
    sums["t_records"] = Sum(
        F("signed_count")
        + F("started_count")
        + F("expected_start_count")
        + F("funds_count")
        + F("completed_count")
    )
    if columns:
        found = cells.values(*columns).annotate(**sums).order_by()
    else:
        found = [cells.aggregate(**sums)]
    # Reference names for the named dimensions asked for: one small query each.
    refs = {}
    for dim in group_by:
        if dim in _CELL_DIMS:
            column, model, key = _CELL_DIMS[dim]
            ids = {row[column] for row in found} - {None}
            refs[dim] = {
                pk: (code, name)
                for pk, code, name in model.objects.filter(pk__in=ids).values_list(
                    "pk", key, "name"
                )
            }
    rows: dict[tuple, dict] = {}
    names: dict[tuple, dict] = {}
    for row in found:
        if columns and not row["t_records"]:
            continue
        key, label = [], {}
        for dim in group_by:
            if dim in _CELL_DIMS:
                code, name = refs[dim].get(row[_CELL_DIMS[dim][0]], (None, None))
                key.append(code)
                label[f"{dim}_name"] = name
            elif dim == "month":
                key.append(f"{row['month']:%Y-%m}")
            elif dim == "quarter":
                key.append(f"{row['month'].year:04d}Q{(row['month'].month - 1) // 3 + 1}")
        key = tuple(key)
        target = rows.setdefault(key, {})
        for measure in _CELL_MEASURES:
            target[measure] = (target.get(measure) or 0) + (row[f"t_{measure}"] or 0)
        names[key] = label
    return rows, names


def _merge(rows: dict, names: dict, more: tuple[dict, dict]) -> None:
    for key, figures in more[0].items():
        target = rows.setdefault(key, {})
        for measure, value in figures.items():
            target[measure] = (target.get(measure) or 0) + (value or 0)
        names.setdefault(key, more[1].get(key, {}))


def rollup_totals(
    *,
    user,
    group_by: Sequence[str],
    period: Period,
    as_locked: bool = False,
    used_locks: list | None = None,
) -> list[dict]:
    """Totals of the projects the user may see, one row per combination of `group_by` values
    that has any figure: the same rows as rollup_live, read from the rollup tables. `as_locked`:
    the months of locked periods from their snapshots (rollups.locks); the locks read are
    appended to `used_locks`."""
    group_by = [d for d in DIMENSIONS if d in group_by]  # stable order, no duplicates
    whole, edges = _split(period)
    rows: dict[tuple, dict] = {}
    names: dict[tuple, dict] = {}
    if whole is not None and as_locked:
        inside, live_ranges = split_months(whole.start, whole.end)
        for lock in inside:
            part = Period(max(lock.start, whole.start or lock.start), lock.end)
            found = _from_cells(user=user, group_by=group_by, period=part, cells=lock.cells.all())
            _merge(rows, names, found)
            if used_locks is not None:
                used_locks.append(lock)
        for start, end in live_ranges:
            _merge(
                rows, names, _from_cells(user=user, group_by=group_by, period=Period(start, end))
            )
    elif whole is not None:
        rows, names = _from_cells(user=user, group_by=group_by, period=whole)
    for edge in edges:  # a from/to inside a month: those days from the source rows
        for row in rollup_live(user=user, group_by=group_by, period=edge):
            key = tuple(row[d] for d in group_by)
            target = rows.setdefault(key, {})
            for measure in MEASURES:
                target[measure] = (target.get(measure) or 0) + (row[measure] or 0)
            names.setdefault(key, {k: v for k, v in row.items() if k.endswith("_name")})
    result = []
    for key in sorted(rows, key=lambda k: tuple((v is None, str(v)) for v in k)):
        out: dict = {}
        for dim, value in zip(group_by, key, strict=True):
            out[dim] = value
            if dim in _CELL_DIMS:
                out[f"{dim}_name"] = names[key].get(f"{dim}_name")
        for measure in MEASURES:
            value = rows[key].get(measure)
            if measure.endswith("_count"):
                out[measure] = value or 0
            else:
                out[measure] = Decimal(value or 0).quantize(ZERO)
        result.append(out)
    if not group_by and not result:
        result.append({m: 0 if m.endswith("_count") else ZERO for m in MEASURES})
    return result
