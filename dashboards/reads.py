"""The one read model of the rollup tables, for the dashboard pages and /api/v1/rollups/ alike.

`sums` is the only reader of the monthly rollup tables: one grouped statement over a table, its
months in a range, a region (or the projects a user may see: accounts.scoping.reach), with the
months of locked periods taken from their snapshots (rollups.locks). The tables are one measure set at three
grains: the fine cells (region × month × chain × method × park × confidential, MonthlyRollup), the
region × month rows and the region × month × chain rows (the coarse sums the pages read, so a
page's cost does not grow with the cells). Named dimensions come back with their key and name from
the reference table, joined in the same statement.

- The pages (dashboards.selectors.dashboard_data) read the region's months, the ranking by region
  and the sums by chain; every signed-in user reads every region's aggregates (DESIGN.md, "Access").
- The API (`rollup_totals`) reads the fine cells under the user's reach (accounts.scoping.reach,
  the rule `scope` applies to projects). A `from` / `to` that cuts a month in two is the one case
  the monthly cells cannot answer: those partial edge months are added from a live aggregate over
  projects (`rollup_live`, a few GROUP BY queries over a few days' index range), which is also the
  reference the tables are tested against.

The statements are fixed SQL on a plain cursor (the ORM's query building cost more than the database
took to answer, docs/PERFORMANCE.md); they run on PostgreSQL and SQLite. Values are parameters.
"""

# The SQL is assembled only from module constants and model table names.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.scoping import Reach, reach, scope_projects
from core.models import IndustryChain, PromotionMethod, Region
from core.periods import Period
from enterprises.models import IndustrialPark
from projects.models import CompletedInvestment, FundsInPlace, Project, counts_as_signed
from rollups.locks import split_months
from rollups.models import (
    LockedCell,
    LockedRegionMonth,
    MonthlyRollup,
    RegionMonthChainRollup,
    RegionMonthRollup,
    StageRollup,
    counted_agreement_kinds,
)
from verification.models import MilestoneClaim, State

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


# --- the rollup tables ---------------------------------------------------------------------------
# A table: (its live table, the snapshot of a locked period's rows at its grain).
TABLES = {
    "cells": (MonthlyRollup._meta.db_table, LockedCell._meta.db_table),
    "region_months": (RegionMonthRollup._meta.db_table, LockedRegionMonth._meta.db_table),
    # A locked period's region × month × chain rows are summed from its fine cells.
    "chains": (RegionMonthChainRollup._meta.db_table, LockedCell._meta.db_table),
}
# A named dimension: (its column, the reference table, the key clients code against).
NAMED = {
    "region": ("region_id", Region._meta.db_table, "code"),
    "chain": ("chain_id", IndustryChain._meta.db_table, "code"),
    "method": ("method_id", PromotionMethod._meta.db_table, "code"),
    "park": ("park_id", IndustrialPark._meta.db_table, "id"),
}


EVERYWHERE = Reach()  # every region's rows, confidential projects' included


def sums(
    table: str,
    measures: Sequence[str],
    *,
    by: Sequence[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    scope: Reach | None = EVERYWHERE,
    locks: Sequence = (),
) -> list[tuple]:
    """The sums of `measures` (columns of `table`, one of TABLES) over its months from `start` to
    `end` (either open) in `scope`, one row per value of the `by` dimensions: a named one (NAMED)
    gives its key and its name, "month" the month. Rows are tuples, the dimensions first, in
    the order of `by`, sorted by them. `locks`: the locked periods (rollups.locks) whose months
    are read from their snapshots. One statement; none for a None scope (nothing to see)."""
    live, snapshot = TABLES[table]
    if scope is None:
        return [] if by else [(None,) * len(measures)]
    select, group, joins, names = [], [], [], []
    for dim in by:
        if dim == "month":
            select.append("m.month")
            group.append("m.month")
        else:
            column, ref, key = NAMED[dim]
            alias = f"ref_{dim}"
            joins.append(f" LEFT JOIN {ref} {alias} ON {alias}.id = m.{column}")
            select += [f"{alias}.{key}", f"{alias}.name"]
            names.append(len(select) - 1)
            group += [f"m.{column}", f"{alias}.{key}", f"{alias}.name"]
    select += [f"sum(m.{c})" for c in measures]
    where, params = ["1 = 1"], []
    if start is not None:
        where.append("m.month >= %s")
        params.append(start)
    if end is not None:
        where.append("m.month <= %s")
        params.append(end)
    if scope.region_id is not None:
        where.append("m.region_id = %s")
        params.append(scope.region_id)
    if scope.public_only:
        where.append("NOT m.is_confidential")
    source, source_params = live, []
    if locks:
        columns = ["region_id", "month"]
        columns += [NAMED[d][0] for d in by if d in NAMED and NAMED[d][0] not in columns]
        columns += ["is_confidential"] if scope.public_only else []
        columns += list(measures)
        cols = ", ".join(columns)
        outside = " AND ".join("NOT (month >= %s AND month <= %s)" for _lock in locks)
        ids = ", ".join("%s" for _lock in locks)
        source = (
            f"(SELECT {cols} FROM {live} WHERE {outside} "
            f"UNION ALL SELECT {cols} FROM {snapshot} WHERE lock_id IN ({ids}))"
        )
        source_params = [d for lock in locks for d in (lock.start, lock.end)]
        source_params += [lock.pk for lock in locks]
    sql = f"SELECT {', '.join(select)} FROM {source} m{''.join(joins)} WHERE {' AND '.join(where)}"
    if group:
        sql += f" GROUP BY {', '.join(group)} ORDER BY {', '.join(group)}"
    return fetch(sql, [*source_params, *params], texts=names)


STAGE_SQL = (
    f"SELECT stage, sum(project_count), sum(amount) FROM {StageRollup._meta.db_table} "
    "WHERE 1 = 1 {scope} GROUP BY stage"
)


def stage_sums(scope: Reach) -> dict[str, tuple]:
    """{stage: (projects, amount)} now (the stage snapshot, rollups.StageRollup) in `scope` (a
    region, or all; the snapshot does not know confidential projects)."""
    region = scope.region_id is not None
    rows = fetch(
        STAGE_SQL.format(scope=" AND region_id = %s" if region else ""),
        [scope.region_id] if region else [],
    )
    return {stage: (n, amount) for stage, n, amount in rows}


def fetch(sql: str, params: Sequence, *, texts: Collection[int] = ()) -> list[tuple]:
    """The rows of a fixed statement on a plain cursor, as PostgreSQL gives them (on SQLite, the
    embedded default, dates come as text and sums of amounts as floats: converted). `texts`: the
    positions of the columns that hold names or titles, left as they come (a project named
    "2024-05-01" stays a name)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":
        rows = [
            tuple(v if i in texts else _from_sqlite(v) for i, v in enumerate(row)) for row in rows
        ]
    return rows


def _from_sqlite(value):
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def aware(value):
    """A timestamp column read on a plain cursor (text on SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


# --- /api/v1/rollups/ ------------------------------------------------------------------------------
# API measure -> the fine cell column.
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
# rollup_live has a row where any of its measures found a record; so do the cells.
_RECORD_COUNTS = [
    "signed_count",
    "started_count",
    "expected_start_count",
    "funds_count",
    "completed_count",
]


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


def _from_cells(*, user, group_by: Sequence[str], period: Period, locks: Sequence) -> dict:
    """{key: (names, figures)}: the whole months of `period` from the fine cells, keyed like
    rollup_live's rows (dimension values in DIMENSIONS order)."""
    by = [d for d in group_by if d in NAMED]
    if "month" in group_by or "quarter" in group_by:
        by.append("month")
    columns = list(dict.fromkeys([*_CELL_MEASURES.values(), *_RECORD_COUNTS]))
    found = sums(
        "cells",
        columns,
        by=by,
        start=period.start,
        end=period.end,
        scope=reach(user),
        locks=locks,
    )
    rows: dict[tuple, tuple[dict, dict]] = {}
    for row in found:
        values = dict(zip(columns, row[len(row) - len(columns) :], strict=True))
        if by and not sum(values[c] or 0 for c in _RECORD_COUNTS):
            continue
        dims, i = {}, 0
        for dim in by:
            if dim == "month":
                dims["month"] = row[i]
                i += 1
            else:
                dims[dim] = row[i : i + 2]
                i += 2
        key, label = [], {}
        for dim in group_by:
            if dim in NAMED:
                key.append(dims[dim][0])
                label[f"{dim}_name"] = dims[dim][1]
            elif dim == "month":
                key.append(f"{dims['month']:%Y-%m}")
            elif dim == "quarter":
                month = dims["month"]
                key.append(f"{month.year:04d}Q{(month.month - 1) // 3 + 1}")
        names, figures = rows.setdefault(tuple(key), (label, {}))
        for measure, column in _CELL_MEASURES.items():
            figures[measure] = (figures.get(measure) or 0) + (values[column] or 0)
    return rows


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
    rows: dict[tuple, tuple[dict, dict]] = {}
    if whole is not None:
        locks = split_months(whole.start, whole.end)[0] if as_locked else []
        rows = _from_cells(user=user, group_by=group_by, period=whole, locks=locks)
        if used_locks is not None:
            used_locks.extend(locks)
    for edge in edges:  # a from/to inside a month: those days from the source rows
        for row in rollup_live(user=user, group_by=group_by, period=edge):
            key = tuple(row[d] for d in group_by)
            names = {k: v for k, v in row.items() if k.endswith("_name")}
            figures = rows.setdefault(key, (names, {}))[1]
            for measure in MEASURES:
                figures[measure] = (figures.get(measure) or 0) + (row[measure] or 0)
    result = []
    for key in sorted(rows, key=lambda k: tuple((v is None, str(v)) for v in k)):
        names, figures = rows[key]
        out: dict = {}
        for dim, value in zip(group_by, key, strict=True):
            out[dim] = value
            if dim in NAMED:
                out[f"{dim}_name"] = names.get(f"{dim}_name")
        for measure in MEASURES:
            value = figures.get(measure)
            if measure.endswith("_count"):
                out[measure] = value or 0
            else:
                out[measure] = Decimal(value or 0).quantize(ZERO)
        result.append(out)
    if not group_by and not result:
        result.append({m: 0 if m.endswith("_count") else ZERO for m in MEASURES})
    return result
