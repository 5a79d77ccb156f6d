# SQL here is assembled only from module constants (column names); values are always parameters.
# ruff: noqa: S608
"""The official indicators (考评指标) per region and period, read from the rollups (never by
scanning projects) and the targets: signed count and amount, all / 省外 / 外资; the start rate
(开工率) of the projects signed in the period; funds in place; completed investment; expected
new-start investment; size bands; and the deductions' counts.

Callers pass the assessment's period (scoring.periods); its figures are cumulative, counted from
1 January to the period's end (`period.year_to_date()`). Everything here reads rollup-like tables: the fine rollup cells, the
deductions' tallies (the 亮灯 history's day tally, rollups.ReturnedFalseTally) and a locked
period's snapshot; plus the targets and the regions. Never the projects, the evidence claims or
the light history (tests/scoring check the SQL)."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection

from core.models import Region
from core.periods import Period
from lights.selectors import red_light_counts
from rollups.locks import LockedDeduction, PeriodLock, split_months
from rollups.models import SIZE_BANDS
from targets.models import Target

ZERO = Decimal(0)
SIX = Decimal("0.000001")  # the rollups' amounts keep 6 decimals
BAND_MEASURES = list(SIZE_BANDS)


def bands_between(low_yi: Decimal, high_yi: Decimal | None) -> list[str]:
    """The size bands (rollups.models.SIZE_BANDS) that make up [low, high) 亿元."""
    low, high = low_yi * 10000, (None if high_yi is None else high_yi * 10000)
    return [
        band
        for band, (band_low, band_high) in SIZE_BANDS.items()
        if band_low >= low and (high is None or (band_high is not None and band_high <= high))
    ]


@dataclass
class Figures:
    """One region's figures for a period (amounts in 万元)."""

    signed_count: int = 0
    signed_amount: Decimal = ZERO
    oop_count: int = 0
    oop_amount: Decimal = ZERO
    foreign_count: int = 0
    foreign_amount: Decimal = ZERO
    signed_started_count: int = 0
    expected_start_amount: Decimal = ZERO
    funds_amount: Decimal = ZERO
    completed_amount: Decimal = ZERO
    bands: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BAND_MEASURES, 0))
    red_lights: int = 0
    returned_false: int = 0

    @property
    def start_rate(self) -> Decimal | None:
        """开工率: of the projects signed in the period, the share started since (None: none
        signed)."""
        if not self.signed_count:
            return None
        return Decimal(self.signed_started_count) / Decimal(self.signed_count)

    def count_at_least(self, yi: int) -> int:
        """Signed projects of at least `yi` 亿元 (亿元+ / 5亿+ / 10亿+), from the bands."""
        return sum(n for m, n in self.bands.items() if SIZE_BANDS[m][0] >= yi * 10000)

    def count_between(self, low_yi: Decimal, high_yi: Decimal | None) -> int:
        """Signed projects in [low, high) 亿元; the bounds lie on the bands' edges."""
        return sum(self.bands[band] for band in bands_between(low_yi, high_yi))

    def add(self, other: Figures) -> None:
        for name in (
            "signed_count",
            "signed_amount",
            "oop_count",
            "oop_amount",
            "foreign_count",
            "foreign_amount",
            "signed_started_count",
            "expected_start_amount",
            "funds_amount",
            "completed_amount",
            "red_lights",
            "returned_false",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for band, n in other.bands.items():
            self.bands[band] += n


# The figures read from a cell, in the order of the grouped statement's columns: (name, column,
# which cells add to it: None every cell, else (is_out_of_province, is_foreign) or is_foreign).
_FIGURE_COLUMNS = [
    ("signed_count", "signed_count", None),
    ("signed_amount", "signed_amount", None),
    ("oop_count", "signed_count", "oop"),
    ("oop_amount", "signed_amount", "oop"),
    ("foreign_count", "signed_count", "foreign"),
    ("foreign_amount", "signed_amount", "foreign"),
    ("signed_started_count", "signed_started_count", None),
    ("expected_start_amount", "expected_start_amount", None),
    ("funds_amount", "funds_amount", None),
    ("completed_amount", "completed_amount", None),
]
_FIGURE_FIELDS = [name for name, _column, _which in _FIGURE_COLUMNS]
# 省外 (DESIGN.md, caliber): an investor from elsewhere in China; a foreign (境外) project is
# counted under 外资 only, even where its out-of-province flag is set too. As SQL over a cell's
# flags, with parameters.
_WHICH = {"oop": "is_out_of_province = %s AND is_foreign = %s", "foreign": "is_foreign = %s"}
_WHICH_PARAMS = {"oop": [True, False], "foreign": [True]}


def _sum_columns() -> tuple[str, list]:
    parts, params = [], []
    for _name, column, which in _FIGURE_COLUMNS:
        if which is None:
            parts.append(f"SUM({column})")
        else:
            parts.append(f"SUM(CASE WHEN {_WHICH[which]} THEN {column} ELSE 0 END)")
            params += _WHICH_PARAMS[which]
    parts += [f"SUM({band}_count)" for band in BAND_MEASURES]
    return ", ".join(parts), params


_SUMS_SQL, _SUMS_PARAMS = _sum_columns()
# One grouped statement per source: the live cells of some months, a lock's snapshot.
_LIVE_CELLS = (
    f"SELECT region_id, {_SUMS_SQL} FROM rollups_monthlyrollup WHERE {{months}} GROUP BY region_id"  # noqa: E501  # nosec B608
)
_LOCKED_CELLS = f"SELECT region_id, {_SUMS_SQL} FROM rollups_lockedcell WHERE lock_id IN ({{locks}}) GROUP BY region_id"  # noqa: E501  # nosec B608
# The returns marked false: the live tally's months, a snapshot's counts.
_LIVE_RETURNED = (
    "SELECT region_id, SUM(count) FROM rollups_returnedfalsetally WHERE {months} GROUP BY region_id"  # noqa: E501
)
_LOCKED_RETURNED = "SELECT region_id, SUM(returned_false) FROM rollups_lockeddeduction WHERE lock_id IN ({locks}) GROUP BY region_id"  # noqa: E501


# The active locks overlapping a period, oldest first, and whether each snapshotted its deductions.
_LOCKS = (
    'SELECT l.id, l.kind, l.start, l."end", EXISTS (SELECT 1 FROM rollups_lockeddeduction d '
    "WHERE d.lock_id = l.id) FROM rollups_periodlock l WHERE l.unlocked_at IS NULL "
    'AND l.start <= %s AND l."end" >= %s ORDER BY l.start'
)
# The reporting units (never the city itself) and their targets for a year, where set.
_REGIONS_AND_TARGETS = (
    "SELECT r.id, r.code, r.name, t.id, {targets} FROM core_region r "
    "LEFT JOIN targets_target t ON t.region_id = r.id AND t.year = %s WHERE r.kind <> %s "
    "ORDER BY r.sort_order, r.code"
)


def _months(ranges: list[tuple]) -> tuple[str, list]:
    """`month` in any of the (start, end) ranges (either end open), as SQL and parameters."""
    parts, params = [], []
    for start, end in ranges:
        bounds = []
        if start is not None:
            bounds.append("month >= %s")
            params.append(start)
        if end is not None:
            bounds.append("month <= %s")
            params.append(end)
        parts.append(" AND ".join(bounds) or "1 = 1")
    return " OR ".join(f"({p})" for p in parts), params


def _grouped(live: str, locked: str, live_ranges: list[tuple], lock_ids: list[int], extra=()):
    """The rows of the live statement over `live_ranges` and the locked one over `lock_ids`, in
    one round trip (UNION ALL); a region can come back once from each."""
    statements, params = [], []
    if live_ranges:
        months, month_params = _months(live_ranges)
        statements.append(live.format(months=months))
        params += [*extra, *month_params]
    if lock_ids:
        statements.append(locked.format(locks=", ".join(["%s"] * len(lock_ids))))
        params += [*extra, *lock_ids]
    if not statements:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(statements), params)
        return cursor.fetchall()


def returned_as_false_counts(period: Period, *, inside=None, live_ranges=None) -> dict:
    """{region id: evidence records returned as false (核实为虚假) with their claimed date from
    1 January to the period's end}: a verifier's mark on a return (verification.MilestoneClaim.found_false), which stays
    through a resubmission and is cleared only when the claim is verified. Read from the tally the
    verification services keep (rollups.ReturnedFalseTally); a locked period's months from the
    lock's snapshot (rollups.LockedDeduction). `inside`, `live_ranges`: locks_with_deductions of
    the period, when the caller has it."""
    if inside is None:
        inside, live_ranges = locks_with_deductions(period)
    snapshotted = _snapshotted(inside)
    live = live_ranges + [(lock.start, lock.end) for lock in inside if lock.pk not in snapshotted]
    out: dict[int, int] = {}
    for region_id, n in _grouped(_LIVE_RETURNED, _LOCKED_RETURNED, live, sorted(snapshotted)):
        if n:
            out[region_id] = out.get(region_id, 0) + int(n)
    return out


def _snapshotted(inside) -> set[int]:
    """The locks among `inside` whose deductions were snapshotted (a lock made before they were
    has none: its deductions are read live)."""
    return {lock.pk for lock in inside if lock.has_deductions}


def period_red_lights(period: Period, inside) -> dict[int, int]:
    """{region id: projects red at the period's end}: from the snapshot of a lock ending with the
    period, else the 亮灯 history's day tally (lights.selectors.red_light_counts)."""
    closing = [lock for lock in inside if lock.end == period.end and lock.has_deductions]
    if closing:
        return dict(
            LockedDeduction.objects.filter(lock_id=closing[0].pk, red_lights__gt=0).values_list(
                "region_id", "red_lights"
            )
        )
    return red_light_counts(period.end)


def scored_regions() -> list[Region]:
    """The reporting units ranked: every county and development zone, never the city itself."""
    return list(
        Region.objects.exclude(kind=Region.Kind.CITY)
        .order_by("sort_order", "code")
        .only("pk", "code", "name", "kind", "sort_order")
    )


def region_figures(period: Period, *, regions: list[Region] | None = None) -> PeriodFigures:
    """Figures for every reporting unit and the whole city, from the fine rollup cells of the
    months from January to the period's end (the origin flags are part of the cell key) and the deductions' tallies;
    never the projects, the claims or the light history.

    A locked period's months come from its snapshot (rollups.locks), cells and deductions alike,
    so a 通报 of a locked period says the same every time it is generated; other months from the
    live cells and tallies. Queries: the locks, the cells (one statement, live and locked
    together), the returns' tally, the red lights' day tally (and the regions, unless given).

    The cells' and the returns' statements are SQL assembled once from this module's constants
    (they run on SQLite and PostgreSQL alike): the assessment's budget is 2× the rollup read, and
    building the grouped query through the ORM on every call cost more than the read itself."""
    regions = scored_regions() if regions is None else regions
    inside, live_ranges = locks_with_deductions(period)
    rows = _grouped(
        _LIVE_CELLS, _LOCKED_CELLS, live_ranges, [lock.pk for lock in inside], _SUMS_PARAMS
    )
    red = period_red_lights(period, inside)
    returned = returned_as_false_counts(period, inside=inside, live_ranges=live_ranges)
    out = {
        region.pk: Figures(
            red_lights=red.get(region.pk, 0), returned_false=returned.get(region.pk, 0)
        )
        for region in regions
    }
    city = Figures(red_lights=sum(red.values()), returned_false=sum(returned.values()))
    n_fields = len(_FIGURE_FIELDS)
    for region_id, *values in rows:
        # The city's own projects, if any: in the city's total, not ranked.
        for figures in (out.get(region_id) or Figures(), city):
            for name, value in zip(_FIGURE_FIELDS, values[:n_fields], strict=True):
                setattr(figures, name, getattr(figures, name) + _number(value, name))
            for band, value in zip(BAND_MEASURES, values[n_fields:], strict=True):
                figures.bands[band] += int(value or 0)
    return PeriodFigures(regions=out, city=city)


def _number(value, name: str = "") -> Decimal | int:
    """A sum as the database returned it, as an int for a count and a Decimal for an amount (the
    name says which; SQLite hands back an int or a float for a decimal column's sum)."""
    if value is None:
        return ZERO if name.endswith("_amount") else 0
    if isinstance(value, Decimal) or (isinstance(value, int) and not name.endswith("_amount")):
        return value
    return Decimal(str(value)).quantize(SIX)


def locks_with_deductions(period: Period):
    """rollups.locks.split_months of the days the period's figures count (1 January to its end),
    each lock marked with whether its deductions were snapshotted (`has_deductions`), read in one
    statement."""
    days = period.year_to_date()
    with connection.cursor() as cursor:
        cursor.execute(_LOCKS, [days.end, days.start])
        rows = cursor.fetchall()
    locks = []
    for pk, kind, start, end, has_deductions in rows:
        lock = PeriodLock(pk=pk, kind=kind, start=_date(start), end=_date(end))
        lock.has_deductions = bool(has_deductions)
        locks.append(lock)
    return split_months(days.start, days.end, locks=locks)


def _date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class PeriodFigures:
    regions: dict[int, Figures]  # every reporting unit, figures or not
    city: Figures  # the whole city, the city's own projects included


def targets_for(year: int) -> dict[int, Target]:
    return {t.region_id: t for t in Target.objects.filter(year=year)}


# The target fields the scheme's indicators are measured against (scoring.selectors.TARGET_FIELD).
SCORED_TARGET_FIELDS = (
    "signed_count",
    "signed_amount",
    "funds_amount",
    "completed_amount",
    "out_of_province_count",
    "out_of_province_amount",
    "foreign_count",
    "foreign_amount",
)


class ScoredRegion(NamedTuple):
    """A reporting unit as the scores list it."""

    pk: int
    code: str
    name: str


# A region's targets for the year, as far as the scores read them (targets.Target's fields).
ScoredTarget = namedtuple("ScoredTarget", SCORED_TARGET_FIELDS)  # noqa: PYI024


def scored_regions_with_targets(year: int) -> tuple[list[ScoredRegion], dict[int, ScoredTarget]]:
    """scored_regions() and their targets for the year (those set), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _REGIONS_AND_TARGETS.format(targets=", ".join(f"t.{f}" for f in SCORED_TARGET_FIELDS)),
            [year, Region.Kind.CITY.value],
        )
        rows = cursor.fetchall()
    regions, targets = [], {}
    for pk, code, name, target_pk, *values in rows:
        regions.append(ScoredRegion(pk, code, name))
        if target_pk is not None:
            targets[pk] = ScoredTarget(
                *(
                    v if v is None or f.endswith("_count") else _number(v, f)
                    for f, v in zip(SCORED_TARGET_FIELDS, values, strict=True)
                )
            )
    return regions, targets
