# SQL here is assembled only from module constants (table, column and field names); values are
# always passed as parameters.
# ruff: noqa: S608
"""Computing the rollups from source rows: the incremental refresh of a few cells, the full rebuild,
and the comparison with a live aggregate.

The refresh recomputes exactly the cell measures an outbox row names (the cells a change left and
entered), each with an index-only scan of that cell's own entries (the rollup_cell_*
covering indexes, led by the cell key, declared in projects.models.Project.Meta), in one grouped statement that
updates the cells it finds and inserts the ones it does not; cells left all zero are deleted. The coarse region-month and region-month-chain
tables are then re-derived for the region-months touched, from the fine cells. Every write is a
recompute from source, so running a refresh twice, or in either order with another, gives the same
rows. Refreshes and rebuilds take one PostgreSQL advisory lock so a slow refresh can never write an
older picture over a newer one.

Why the refresh has a PostgreSQL statement pair and a plain SQLite path (issue 19's rule: a fast path
only where the plain one cannot meet the budget, explained here). The plain path, which both
databases can run, recomputes every region-month a change touched whole (DELETE, then INSERT …
SELECT … GROUP BY from the projects). At 10^6 projects a region-month holds ~2,300 milestone rows
(~4M rows over 13 regions × 132 months); the refresh that read ~600 rows per cell pair on
`(region, date)` indexes already took 15 ms median / 26–54 ms p95 per drain there
(docs/PERFORMANCE.md, commit 121c66d), against the budget of p95 ≤ 15 ms. The per-cell statements
(LATERAL index-only scans on the covering cell indexes, an UPDATE in a writable CTE, prepared with
generic plans) read ~5 entries per pair and take 4–9 ms p95. SQLite has neither LATERAL nor writable
CTEs, so `make run` keeps the plain whole-month path (`_refresh_sqlite`), fast at the embedded
default's size. Both are recomputes from source, tested against the same independent oracle
(Python sums): tests/rollups/test_property.py on PostgreSQL, tests/rollups/test_sqlite_refresh.py on
SQLite. The full rebuild and the comparison are one statement set for both databases.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .deductions import returned_false_drift, returned_false_refresh_projects
from .models import (
    AGREEMENT_KINDS,
    CELL_KEY,
    CHAIN_COLUMNS,
    CLAIM_TABLE,
    MEASURE_COLUMNS,
    MEASURES,
    MILESTONE_MEASURES,
    MONTHLY_AMOUNT_MEASURES,
    NO_SIGNING_RECORD_KIND,
    SIZE_BANDS,
    VERIFIED_MEASURES,
    VERIFIED_STATE,
    Outbox,
    RollupStatus,
    counted_agreement_kinds,
)

logger = logging.getLogger(__name__)

# Set while a drain task is queued (rollups.outbox.request_drain): later commits in the same window
# ride on it, so bursts coalesce. The drain takes it down before it reads the outbox.
DRAIN_PENDING_KEY = "rollups:drain-pending"

# Called inside the drain's transaction with the keys drained (apps above rollups register here in
# their AppConfig.ready, so rollups imports none of them). A listener that fails rolls the drain
# back: its outbox rows stay and are drained again, so nothing it should have done is lost.
_DRAIN_LISTENERS: list[Callable[[set[str]], None]] = []


def register_drain_listener(listener: Callable[[set[str]], None]) -> None:
    if listener not in _DRAIN_LISTENERS:
        _DRAIN_LISTENERS.append(listener)


def drain_listeners() -> list[Callable[[set[str]], None]]:
    return list(_DRAIN_LISTENERS)


LOCK_ID = 0x4A5A_0501  # "JZ" rollups; any constant shared by every writer of the rollup tables
DRAIN_BATCH = 2000

MONTHLY = "rollups_monthlyrollup"
REGION_MONTHS = "rollups_regionmonthrollup"
CHAINS = "rollups_regionmonthchainrollup"
STAGES = "rollups_stagerollup"
CELL = CELL_KEY
# The project columns behind the cell key after region and month.
DIMS = ["chain_id", "method_id", "park_id", "is_confidential", "is_foreign", "is_out_of_province"]
NULLABLE_DIMS = ["chain_id", "method_id", "park_id"]
FLAG_DIMS = ["is_confidential", "is_foreign", "is_out_of_province"]
COUNT_COLUMNS = [f"{m}_count" for m in MEASURES]


# The same SQL runs on PostgreSQL (always, in production and tests) and on SQLite (`make run` with
# no DATABASE_URL): only month arithmetic differs, and SQLite refreshes whole region-months.
def _pg() -> bool:
    return connection.vendor == "postgresql"


def _month_of(expr: str) -> str:
    if _pg():
        return f"date_trunc('month', {expr}::timestamp)::date"
    return f"date({expr}, 'start of month')"


def _next_month(expr: str) -> str:
    return f"({expr} + interval '1 month')::date" if _pg() else f"date({expr}, '+1 month')"


def _same_cell(a: str, b: str) -> str:
    """Join condition on the fine cell key: a null id as 0, the expressions of the unique key
    monthlyrollup_unique_cell_key, so a stored cell is one exact index probe (and a FULL JOIN
    gets the hash-joinable condition it needs)."""
    parts = [f"{a}.region_id = {b}.region_id", f"{a}.month = {b}.month"]
    parts += [f"coalesce({a}.{col}, 0) = coalesce({b}.{col}, 0)" for col in NULLABLE_DIMS]
    parts += [f"{a}.{col} = {b}.{col}" for col in FLAG_DIMS]
    return " AND ".join(parts)


def signed_counts_sql(project: str, kinds: tuple[str, ...]) -> str:
    """SQL condition: the project (table or alias `project`) counts as signed under the caliber
    `kinds` — one of its signing records is of a counted kind, or it has none and a project with
    no signing record counts (NO_SIGNING_RECORD_KIND). Two probes of the signings' project index."""
    unknown = set(kinds) - set(AGREEMENT_KINDS)
    if unknown:  # the kinds are inlined as literals: only the known constants may be
        raise ValueError(f"unknown agreement kinds {sorted(unknown)}")
    signings = f"SELECT 1 FROM events_signing s WHERE s.project_id = {project}.id"
    parts = []
    if kinds:
        counted = ", ".join(f"'{kind}'" for kind in kinds)
        parts.append(f"EXISTS ({signings} AND s.agreement_kind IN ({counted}))")
    if NO_SIGNING_RECORD_KIND in kinds:
        parts.append(f"NOT EXISTS ({signings})")
    return f"({' OR '.join(parts)})" if parts else "(1 = 0)"


def _verified(kind: str, condition: str) -> str:
    """SQL condition: a verified evidence claim of `kind` matches `condition` (alias v)."""
    return (
        f"EXISTS (SELECT 1 FROM {CLAIM_TABLE} v WHERE {condition} "
        f"AND v.kind = '{kind}' AND v.state = '{VERIFIED_STATE}')"
    )


def _counts(measure: str, project: str, kinds: tuple[str, ...]) -> str:
    """The extra condition a milestone measure puts on a project: the caliber for "signed", its
    cohorts and its verified twin; started since, or the size band, for the cohorts (as
    models.measure_applies); a verified claim for the verified measures (issue 21)."""
    parts = []
    if measure.startswith("signed"):
        parts.append(signed_counts_sql(project, kinds))
    if measure == "signed_started":
        parts.append(f"{project}.started_on IS NOT NULL")
    band = SIZE_BANDS.get(measure)
    if band is not None:  # integer constants from rollups.models
        low, high = band
        parts.append(f"{project}.planned_investment >= {int(low)}")
        if high is not None:
            parts.append(f"{project}.planned_investment < {int(high)}")
    if measure in VERIFIED_MEASURES:
        parts.append(_verified(VERIFIED_MEASURES[measure], f"v.project_id = {project}.id"))
    return "".join(f" AND {part}" for part in parts)


def _row_counts(measure: str, row: str) -> str:
    """The extra condition a monthly-amount measure puts on its row (alias `row`)."""
    if measure in VERIFIED_MEASURES:
        return f" AND {_verified(VERIFIED_MEASURES[measure], f'v.object_id = {row}.id')}"
    return ""


def _monthly_select(keyed: bool, kinds: tuple[str, ...]) -> str:
    """The grouped query over every fine cell. With `keyed`, a CTE `_rk(region_id, month)`
    (prepended by the caller) limits it to those region-months. `kinds`: the signing caliber."""
    dims = ", ".join(f"p.{d}" for d in DIMS)
    branches = []
    for i, (measure, field) in enumerate(MILESTONE_MEASURES):
        if keyed:
            # LATERAL + OFFSET 0 (kept from being flattened into a join): one (region, date) index
            # range scan per bucket. SQLite (make run) has no LATERAL and gets the plain join.
            inner = (
                f"SELECT {', '.join(DIMS)}, planned_investment FROM projects_project "
                f"WHERE region_id = k.region_id AND {field} >= k.month "
                f"AND {field} < {_next_month('k.month')} AND NOT is_deleted"
                + _counts(measure, "projects_project", kinds)
            )
            source = (
                f"_rk k CROSS JOIN LATERAL ({inner} OFFSET 0) p"
                if _pg()
                else f"_rk k JOIN projects_project p ON p.region_id = k.region_id "
                f"AND p.{field} >= k.month AND p.{field} < {_next_month('k.month')} "
                f"AND NOT p.is_deleted" + _counts(measure, "p", kinds)
            )
            branches.append(
                f"SELECT k.region_id, k.month, {dims}, {i} AS kind, "
                f"p.planned_investment AS amount FROM {source}"
            )
        else:
            branches.append(
                f"SELECT p.region_id, {_month_of('p.' + field)} AS month, {dims}, "
                f"{i} AS kind, p.planned_investment AS amount FROM projects_project p "
                f"WHERE NOT p.is_deleted AND p.{field} IS NOT NULL" + _counts(measure, "p", kinds)
            )
    for j, (measure, table) in enumerate(MONTHLY_AMOUNT_MEASURES):
        kind = len(MILESTONE_MEASURES) + j
        if keyed:
            branches.append(
                f"SELECT p.region_id, k.month, {dims}, {kind} AS kind, f.amount "
                f"FROM _rk k JOIN {table} f ON f.month = k.month "
                f"JOIN projects_project p ON p.id = f.project_id AND p.region_id = k.region_id "
                f"WHERE NOT p.is_deleted" + _row_counts(measure, "f")
            )
        else:
            branches.append(
                f"SELECT p.region_id, f.month, {dims}, {kind} AS kind, f.amount "
                f"FROM {table} f JOIN projects_project p ON p.id = f.project_id "
                f"WHERE NOT p.is_deleted" + _row_counts(measure, "f")
            )
    measures = []
    for i in range(len(MEASURES)):
        # integer, the stored type: the rebuild's comparison sums these again, and a sum of
        # integers is a bigint where a sum of bigints (count's type) is a slower numeric.
        measures.append(f"CAST(count(*) FILTER (WHERE kind = {i}) AS integer)")
        measures.append(f"coalesce(sum(amount) FILTER (WHERE kind = {i}), 0)")
    union = "\nUNION ALL\n".join(branches)
    cell = ", ".join(CELL)
    return f"SELECT {cell}, {', '.join(measures)}\nFROM ({union}) e GROUP BY {cell}"


def _cell_measure_select(kinds: tuple[str, ...]) -> str:
    """Recompute named (measure, cell) pairs: a CTE `_ck(kind, <cell key>)` (prepended by the
    caller) lists them; each pair runs only its own branch (the others are cut by a one-time
    filter on k.kind), an index-only scan of its own entries on a covering index led by the cell
    key, `(region, chain, method, park, flags, milestone date)` (rollups migration 0007; the
    signed one includes the id for the caliber's probes of the signings, migration 0009)."""
    # The index's expressions (0 for a null id), so every key is an index condition.
    dims = " AND ".join(
        [f"coalesce(p.{d}, 0) = coalesce(k.{d}, 0)" for d in NULLABLE_DIMS]
        + [f"p.{d} = k.{d}" for d in FLAG_DIMS]
    )
    branches = [
        f"SELECT p.planned_investment AS amount FROM projects_project p WHERE k.kind = {i} "
        f"AND p.region_id = k.region_id AND {dims} AND p.{field} >= k.month "
        f"AND p.{field} < {_next_month('k.month')} AND NOT p.is_deleted"
        + _counts(measure, "p", kinds)
        for i, (measure, field) in enumerate(MILESTONE_MEASURES)
    ]
    # Funds and completed investment: the cell's projects (every live project is on the
    # registered_on index, which includes the id), then each one's row of the month.
    for j, (measure, table) in enumerate(MONTHLY_AMOUNT_MEASURES):
        branches.append(
            f"SELECT f.amount FROM projects_project p JOIN {table} f "
            f"ON f.project_id = p.id AND f.month = k.month "
            f"WHERE k.kind = {len(MILESTONE_MEASURES) + j} "
            f"AND p.region_id = k.region_id AND NOT p.is_deleted AND {dims}"
            + _row_counts(measure, "f")
        )
    union = " UNION ALL ".join(branches)
    return (
        f"SELECT k.*, x.n, x.amount FROM _ck k CROSS JOIN LATERAL "
        f"(SELECT count(*) AS n, coalesce(sum(u.amount), 0) AS amount FROM ({union}) u) x"
    )


def _upsert_cells_sql(kinds: tuple[str, ...]) -> str:
    """One statement: recompute, update the stored cells found, insert the missing non-zero ones."""
    cell = ", ".join(CELL)
    per_cell = []
    for i in range(len(MEASURES)):
        per_cell += [
            f"bool_or(kind = {i}) AS h{i}",
            f"max(n) FILTER (WHERE kind = {i}) AS n{i}",
            f"max(amount) FILTER (WHERE kind = {i}) AS a{i}",
        ]
    sets = []
    for i, measure in enumerate(MEASURES):
        sets += [
            f"{measure}_count = CASE WHEN c.h{i} THEN c.n{i} ELSE r.{measure}_count END",
            f"{measure}_amount = CASE WHEN c.h{i} THEN c.a{i} ELSE r.{measure}_amount END",
        ]
    inserted = []
    for i, _measure in enumerate(MEASURES):
        inserted += [f"coalesce(c.n{i}, 0)", f"coalesce(c.a{i}, 0)"]
    any_count = " + ".join(f"coalesce(c.n{i}, 0)" for i in range(len(MEASURES)))
    return (
        f", _e AS ({_cell_measure_select(kinds)}), "
        f"_c AS (SELECT {cell}, {', '.join(per_cell)} FROM _e GROUP BY {cell}), "
        f"_u AS (UPDATE {MONTHLY} r SET {', '.join(sets)} FROM _c c "
        f"WHERE {_same_cell('r', 'c')} RETURNING r.{', r.'.join(CELL)}) "
        f"INSERT INTO {MONTHLY} ({MONTHLY_COLUMNS}) SELECT c.{', c.'.join(CELL)}, "
        f"{', '.join(inserted)} FROM _c c WHERE ({any_count}) > 0 "
        f"AND NOT EXISTS (SELECT 1 FROM _u WHERE {_same_cell('_u', 'c')})"
    )


MONTHLY_COLUMNS = ", ".join(CELL + MEASURE_COLUMNS)
REGION_MONTH_COLUMNS = ", ".join(["region_id", "month", *MEASURE_COLUMNS])
REGION_MONTH_SUMS = ", ".join(f"sum({c})" for c in MEASURE_COLUMNS)
REGION_MONTH_SUMS_AS = ", ".join(f"sum({c}) AS {c}" for c in MEASURE_COLUMNS)
CHAIN_TABLE_COLUMNS = ", ".join(["region_id", "month", "chain_id", *CHAIN_COLUMNS])
CHAIN_SUMS = ", ".join(f"sum({c})" for c in CHAIN_COLUMNS)
CHAIN_SUMS_AS = ", ".join(f"sum({c}) AS {c}" for c in CHAIN_COLUMNS)
CHAIN_NONZERO = "sum(signed_count) + sum(started_count) > 0"
ALL_ZERO = " AND ".join(f"{c} = 0" for c in COUNT_COLUMNS)
# The stage snapshot's cell: region × stage × chain × method, 0 for a null chain or method.
STAGE_CELL = ["region_id", "stage", "chain_id", "method_id"]
STAGE_COLUMNS = ", ".join([*STAGE_CELL, "project_count", "amount"])
STAGE_PROJECT_COLS = ["region_id", "stage", "coalesce(chain_id, 0)", "coalesce(method_id, 0)"]
STAGE_PROJECT_KEY = ", ".join(STAGE_PROJECT_COLS)
STAGE_SELECT = (
    f"SELECT {STAGE_PROJECT_KEY}, count(*), coalesce(sum(planned_investment), 0) "
    "FROM projects_project WHERE NOT is_deleted {where} "
    f"GROUP BY {STAGE_PROJECT_KEY}"
)


@dataclass(frozen=True)
class Keys:
    cells: list[tuple]  # (kind, region, month, chain, method, park, conf, foreign, oop)
    months: list[tuple[int, dt.date]]  # region-months to recompute whole
    stages: list[tuple[int, str, int, int]]  # (region, stage, chain or 0, method or 0)
    region_stages: list[tuple[int, str]] = ()  # every chain and method (outbox rows of old)


def _opt_int(value: str) -> int | None:
    return int(value) if value else None


def _parse_keys(keys: Iterable[str]) -> Keys:
    kinds = {name: i for i, name in enumerate(MEASURES)}
    cells, months, stages, region_stages = set(), set(), set(), set()
    for key in keys:
        kind, rest = key.split("|", 1)
        if kind == "c":
            measure, region, month, chain, method, park, conf, foreign, oop = rest.split("|")
            cells.add(
                (
                    kinds[measure],
                    int(region),
                    dt.date.fromisoformat(month),
                    _opt_int(chain),
                    _opt_int(method),
                    _opt_int(park),
                    conf == "1",
                    foreign == "1",
                    oop == "1",
                )
            )
        elif kind == "m":
            region, month = rest.split("|")
            months.add((int(region), dt.date.fromisoformat(month)))
        elif kind == "s":
            parts = rest.split("|")
            if len(parts) == 2:  # written before the snapshot had chain and method
                region_stages.add((int(parts[0]), parts[1]))
            else:
                region, stage, chain, method = parts
                stages.add((int(region), stage, int(chain or 0), int(method or 0)))
    if not _pg():  # SQLite: recompute whole region-months (no LATERAL, no UPDATE in a CTE)
        months.update((c[1], c[2]) for c in cells)
        cells = set()
    months_set = {(r, m) for r, m in months}
    cells = {c for c in cells if (c[1], c[2]) not in months_set}  # a whole recompute covers them
    stages = {s for s in stages if (s[0], s[1]) not in region_stages}
    return Keys(sorted(cells, key=str), sorted(months), sorted(stages), sorted(region_stages))


def _lock(cursor) -> None:
    if _pg():  # SQLite serialises writers on its own
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])


def _values(rows: list[tuple], casts: tuple[str, ...]) -> tuple[str, list]:
    """A VALUES list the planner sizes exactly (a temp table would be guessed at ~2,000 rows and
    scanned into a merge join over a whole region)."""
    # SQLite: no casts (CAST('2023-01-01' AS date) is the number 2023 there); its dates are text.
    row = "(" + ", ".join(f"CAST(%s AS {cast})" if _pg() else "%s" for cast in casts) + ")"
    return ", ".join([row] * len(rows)), [value for values in rows for value in values]


CELL_ARRAY_TYPES = ["integer[]"] * 2 + ["date[]"] + ["integer[]"] * 3 + ["boolean[]"] * 3
RM_ARRAY_TYPES = ["integer[]", "date[]"]
STAGE_ARRAY_TYPES = ["integer[]", "varchar[]", "integer[]", "integer[]"]
DERIVE_ARRAY_TYPES = [*RM_ARRAY_TYPES, *STAGE_ARRAY_TYPES, "timestamptz"]


def _arrays(types: list[str], first: int = 1) -> str:
    return ", ".join(f"${first + i}::{t}" for i, t in enumerate(types))


def _changed(table: str, columns: list[str]) -> str:
    """An upsert's condition: write the stored row only if its figures differ."""
    stored = ", ".join(f"{table}.{c}" for c in columns)
    return f"({stored}) IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in columns)})"


def _statements(kinds: tuple[str, ...]) -> dict[str, tuple[list[str], str]]:
    """The refresh's statements: fixed text, keys passed as arrays (so they can be prepared)."""
    return {
        "jz_rollup_cells": (
            CELL_ARRAY_TYPES,
            f"WITH _ck(kind, {', '.join(CELL)}) AS "
            f"(SELECT * FROM unnest({_arrays(CELL_ARRAY_TYPES)}))" + _upsert_cells_sql(kinds),
        ),
        # Everything derived from the fine cells just written, the stage cells and the status, in
        # one statement (one round trip): each data-modifying CTE runs once and they all see the
        # same snapshot, so the coarse sums read the fine cells as the cell statement left them
        # (all-zero cells add nothing) and each CTE writes rows no other CTE writes.
        "jz_rollup_derive": (
            DERIVE_ARRAY_TYPES,
            f"WITH _t(region_id, month) AS (SELECT * FROM unnest($1::integer[], $2::date[])), "
            # The stage cells: recount, store the non-empty ones, delete the empty ones. LATERAL:
            # one index-only count per cell on rollup_prj_stage_cell (a few hundred entries),
            # never a hash join over the whole table (the generic plan cannot see how few come).
            f"_x AS (SELECT t.*, x.n, x.amount FROM unnest($3::integer[], $4::varchar[], "
            f"$5::integer[], $6::integer[]) AS t({', '.join(STAGE_CELL)}) "
            f"CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(p.planned_investment), 0) "
            f"AS amount FROM projects_project p WHERE p.region_id = t.region_id "
            f"AND p.stage = t.stage AND coalesce(p.chain_id, 0) = t.chain_id "
            f"AND coalesce(p.method_id, 0) = t.method_id AND NOT p.is_deleted) x), "
            f"_sd AS (DELETE FROM {STAGES} s USING _x WHERE _x.n = 0 "
            + "".join(f"AND s.{c} = _x.{c} " for c in STAGE_CELL)
            + f"), _si AS (INSERT INTO {STAGES} ({STAGE_COLUMNS}) "
            f"SELECT {', '.join(STAGE_CELL)}, n, amount FROM _x WHERE n > 0 "
            f"ON CONFLICT ({', '.join(STAGE_CELL)}) DO UPDATE SET "
            f"project_count = EXCLUDED.project_count, amount = EXCLUDED.amount "
            f"WHERE ({STAGES}.project_count, {STAGES}.amount) "
            f"IS DISTINCT FROM (EXCLUDED.project_count, EXCLUDED.amount)), "
            # Fine cells left all zero go; the region-month and by-chain sums are upserted where
            # any count is left (rows whose figures did not change are not written) and deleted
            # where none is.
            # The touched region-months' fine cells, read once (materialised: used three times).
            f"_m AS MATERIALIZED (SELECT m.* FROM {MONTHLY} m "
            f"JOIN _t ON m.region_id = _t.region_id AND m.month = _t.month), "
            f"_z AS (DELETE FROM {MONTHLY} r USING _m WHERE r.id = _m.id "
            f"AND {' AND '.join(f'_m.{c} = 0' for c in COUNT_COLUMNS)}), "
            f"_s AS (SELECT region_id, month, {REGION_MONTH_SUMS_AS}, "
            f"{' + '.join(f'sum({c})' for c in COUNT_COLUMNS)} AS _n FROM _m "
            f"GROUP BY region_id, month), "
            # (The emptied region-months first, then their rows: one index probe each, where a
            # join of the table with _t was planned as a scan of the whole table.)
            f"_rd AS (DELETE FROM {REGION_MONTHS} r WHERE (r.region_id, r.month) IN "
            f"(SELECT _t.region_id, _t.month FROM _t LEFT JOIN _s ON _s.region_id = _t.region_id "
            f"AND _s.month = _t.month WHERE coalesce(_s._n, 0) = 0)), "
            f"_ri AS (INSERT INTO {REGION_MONTHS} ({REGION_MONTH_COLUMNS}) "
            f"SELECT region_id, month, {', '.join(MEASURE_COLUMNS)} FROM _s WHERE _n > 0 "
            f"ON CONFLICT (region_id, month) DO UPDATE SET "
            f"{', '.join(f'{c} = EXCLUDED.{c}' for c in MEASURE_COLUMNS)} "
            f"WHERE {_changed(REGION_MONTHS, MEASURE_COLUMNS)}), "
            f"_cs AS (SELECT region_id, month, chain_id, {CHAIN_SUMS_AS} FROM _m "
            f"GROUP BY region_id, month, chain_id HAVING {CHAIN_NONZERO}), "
            f"_cd AS (DELETE FROM {CHAINS} r USING _t WHERE r.region_id = _t.region_id "
            f"AND r.month = _t.month AND NOT EXISTS (SELECT 1 FROM _cs "
            f"WHERE _cs.region_id = r.region_id AND _cs.month = r.month "
            f"AND coalesce(_cs.chain_id, 0) = coalesce(r.chain_id, 0))), "
            f"_ci AS (INSERT INTO {CHAINS} ({CHAIN_TABLE_COLUMNS}) "
            f"SELECT region_id, month, chain_id, {', '.join(CHAIN_COLUMNS)} FROM _cs "
            f"ON CONFLICT (region_id, month, (coalesce(chain_id, 0))) DO UPDATE SET "
            f"{', '.join(f'{c} = EXCLUDED.{c}' for c in CHAIN_COLUMNS)} "
            f"WHERE {_changed(CHAINS, CHAIN_COLUMNS)}), "
            f"_st AS (UPDATE rollups_rollupstatus SET refreshed_at = $7 WHERE id = 1 "
            f"AND $7 IS NOT NULL RETURNING 1) "
            f"SELECT count(*) FROM _st",
        ),
    }


def _prepared_names(cursor) -> set[str]:
    """The refresh statements this session has prepared. The session itself says (no memory of
    our own that could outlive or mistake the connection): one catalogue read a refresh, a small
    fraction of a millisecond."""
    cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE %s", ["jz_rollup%"])
    return {name for (name,) in cursor.fetchall()}


def _execute(
    cursor, name: str, columns: list[list], prepared: set[str], *, kinds: tuple[str, ...] = ()
) -> None:
    """Run one refresh statement as a prepared statement with a generic plan: PostgreSQL plans
    it once per connection (several ms for the cell statement) instead of at every refresh,
    where executing it takes well under a millisecond. `prepared`: the names the session holds
    (_prepared_names). The signing caliber is part of the cell statement's text, so each caliber
    has its own prepared statement (a change of caliber prepares a new one; the old is never
    executed again)."""
    statement = f"{name}_{'_'.join(kinds) or 'none'}" if name == "jz_rollup_cells" else name
    if statement not in prepared:
        types, sql = _statements(kinds)[name]
        cursor.execute(f"PREPARE {statement} ({', '.join(types)}) AS {sql}")
    cursor.execute(f"EXECUTE {statement} ({', '.join(['%s'] * len(columns))})", columns)


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def refresh_buckets(
    keys: Iterable[str], *, tuned: bool = False, stamp: dt.datetime | None = None
) -> bool:
    """Recompute the given cells from source and store them. Call inside a transaction that holds
    the advisory lock (drain_outbox does; `tuned`: it also chose generic plans already). With
    `stamp`, also set RollupStatus.refreshed_at in the same statement where there is one; returns
    whether it did (the caller stamps otherwise). Signed figures follow the stored caliber."""
    parsed = _parse_keys(keys)
    touched = sorted({(c[1], c[2]) for c in parsed.cells} | set(parsed.months))
    # SQLite (make run) has no LATERAL for the per-cell statement: it recomputes the whole
    # region-months the named cells lie in.
    whole_months = parsed.months if _pg() else touched
    kinds = counted_agreement_kinds() if (whole_months or parsed.cells) else ()
    with connection.cursor() as cursor:
        if whole_months:  # whole region-months (migrations; every refresh on SQLite)
            values, params = _values(whole_months, ("integer", "date"))
            cte = f"WITH _rk(region_id, month) AS (VALUES {values}) "
            cursor.execute(
                f"{cte}DELETE FROM {MONTHLY} WHERE EXISTS (SELECT 1 FROM _rk k "
                f"WHERE {MONTHLY}.region_id = k.region_id AND {MONTHLY}.month = k.month)",
                params,
            )
            # The CTE leads the statement: SQLite accepts WITH only there.
            cursor.execute(
                f"{cte}INSERT INTO {MONTHLY} ({MONTHLY_COLUMNS}) {_monthly_select(True, kinds)}",
                params,
            )
        if parsed.region_stages:  # whole region-stages (outbox rows written before 0005)
            _recount_stages(cursor, parsed.region_stages, ["region_id", "stage"])
        if not _pg():
            _refresh_sqlite(cursor, touched, parsed.stages)
            return False
        if not tuned:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        if not (touched or parsed.stages):  # (touched holds the cells' region-months)
            return False
        prepared = _prepared_names(cursor)
        if parsed.cells:
            _execute(
                cursor,
                "jz_rollup_cells",
                _columns(parsed.cells, len(CELL_ARRAY_TYPES)),
                prepared,
                kinds=kinds,
            )
        _execute(
            cursor,
            "jz_rollup_derive",
            [
                *_columns(touched, 2),
                *_columns(parsed.stages, len(STAGE_CELL)),
                stamp,
            ],
            prepared,
        )
        return cursor.fetchone()[0] > 0


def _refresh_sqlite(cursor, touched: list[tuple[int, dt.date]], stages) -> None:
    """`make run` without PostgreSQL: plain statements, whole region-months."""
    if touched:
        values, params = _values(touched, ("integer", "date"))
        cte = f"WITH _t(region_id, month) AS (VALUES {values}) "
        keyed = "(region_id, month) IN (SELECT region_id, month FROM _t)"
        for table in (REGION_MONTHS, CHAINS):
            cursor.execute(f"{cte}DELETE FROM {table} WHERE {keyed}", params)
        cursor.execute(
            f"{cte}INSERT INTO {REGION_MONTHS} ({REGION_MONTH_COLUMNS}) "
            f"SELECT region_id, month, {REGION_MONTH_SUMS} FROM {MONTHLY} "
            f"WHERE {keyed} GROUP BY region_id, month",
            params,
        )
        cursor.execute(
            f"{cte}INSERT INTO {CHAINS} ({CHAIN_TABLE_COLUMNS}) "
            f"SELECT region_id, month, chain_id, {CHAIN_SUMS} FROM {MONTHLY} "
            f"WHERE {keyed} GROUP BY region_id, month, chain_id HAVING {CHAIN_NONZERO}",
            params,
        )
    if stages:
        _recount_stages(cursor, stages, STAGE_CELL)


def _recount_stages(cursor, keys: list[tuple], columns: list[str]) -> None:
    """Plain statements: replace the stage cells under the given keys (whole region-stages, or
    cells) with a recount. Every database; the PostgreSQL refresh uses jz_rollup_derive."""
    casts = ("integer", "varchar(12)", "integer", "integer")[: len(columns)]
    values, params = _values(keys, casts)
    stored = f"({', '.join(columns)}) IN (VALUES {values})"
    source = STAGE_PROJECT_COLS[: len(columns)]
    cursor.execute(f"DELETE FROM {STAGES} WHERE {stored}", params)
    cursor.execute(
        f"INSERT INTO {STAGES} ({STAGE_COLUMNS}) "
        + STAGE_SELECT.format(where=f"AND ({', '.join(source)}) IN (VALUES {values})"),
        params,
    )


def _take_outbox_rows(cursor) -> list[tuple]:
    """Take the advisory lock and claim a batch of outbox rows (deleted now, in this
    transaction: a worker dying before commit leaves them in place). Two round trips."""
    if not _pg():
        rows = list(Outbox.objects.order_by("id").values_list("id", "keys")[:DRAIN_BATCH])
        Outbox.objects.filter(id__in=[i for i, _k in rows]).delete()
        return rows
    # synchronous_commit off for this transaction: its commit returns without waiting for the
    # WAL flush (1–3 ms, far more when the disk stalls). Safe here: the transaction both writes
    # the rollups and deletes the outbox rows it drained, so a crash that loses it loses both and
    # the rows are drained again; a later synchronous commit flushes it too (WAL is sequential).
    cursor.execute(
        "SELECT pg_advisory_xact_lock(%s), "
        "set_config('plan_cache_mode', 'force_generic_plan', true), "
        "set_config('synchronous_commit', 'off', true)",
        [LOCK_ID],
    )
    cursor.execute(
        "DELETE FROM rollups_outbox WHERE id IN (SELECT id FROM rollups_outbox ORDER BY id "
        "LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, keys",
        [DRAIN_BATCH],
    )
    return cursor.fetchall()


def drain_outbox() -> int:
    """Refresh every bucket named in the outbox, then delete those rows; returns rows drained.

    Rows and refresh go in one transaction: if the worker dies half-way, the rows are still there
    and the next drain (or the sweep) does the work again."""
    # Clear the "drain queued" flag first: a commit from now on queues a new drain, and every row
    # committed before this point is visible to the select below. Nothing falls between the two.
    try:
        cache.delete(DRAIN_PENDING_KEY)
    except Exception:
        logger.warning("rollups: could not clear the drain flag", exc_info=True)
    drained = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            rows = _take_outbox_rows(cursor)
            if not rows:
                break
            keys = set()
            for _id, row_keys in rows:
                keys.update(json.loads(row_keys) if isinstance(row_keys, str) else row_keys)
            now = timezone.now()
            stamped = refresh_buckets(keys, tuned=True, stamp=now)
            # A project deleted, restored or moved takes its claims marked false along.
            returned_false_refresh_projects(int(k[2:]) for k in keys if k.startswith("p|"))
            for listener in drain_listeners():  # apps above rollups (lights) in this transaction
                listener(keys)
            if not stamped and not RollupStatus.objects.filter(pk=1).update(refreshed_at=now):
                RollupStatus.objects.update_or_create(pk=1, defaults={"refreshed_at": now})
            drained += len(rows)
        if len(rows) < DRAIN_BATCH:
            break
    return drained


# --- full rebuild and verification ---------------------------------------------------------------
@dataclass
class Comparison:
    monthly_cells: int  # cells that differ (missing, extra or different values)
    stage_cells: int
    region_month_cells: int = 0
    chain_cells: int = 0
    returned_false_cells: int = 0  # rows of the returned-as-false tally (rollups.deductions)

    @property
    def drift(self) -> int:
        return (
            self.monthly_cells
            + self.stage_cells
            + self.region_month_cells
            + self.chain_cells
            + self.returned_false_cells
        )


# The rebuild and the comparison group every projected milestone (~4 rows per project) into cells
# and join them with the stored ones: with the server's default work_mem (4 MB) each hash spills to
# disk in batches. One night-time task may use more memory for its transaction; no JIT (compiling
# costs more than it saves on these plans). bench/run.py gives its GROUP BY floor the same settings.
BULK_SETTINGS = [
    "SET LOCAL work_mem = '256MB'",
    "SET LOCAL jit = off",
    "SET LOCAL enable_mergejoin = off",
    # One process: the floor's INSERT … SELECT cannot have parallel workers (PostgreSQL 15), so
    # with them the rebuild would be compared on other terms; and at night on a small server they
    # would only take cores from the web workers.
    "SET LOCAL max_parallel_workers_per_gather = 0",
]


def tune_for_bulk(cursor) -> None:
    if _pg():
        for sql in BULK_SETTINGS:
            cursor.execute(sql)


def _differs(columns) -> str:
    return " OR ".join(f"l.{c} IS DISTINCT FROM r.{c}" for c in columns)


# The fine cells that add to a by-chain row: a cell with no signed and no started project has
# zero signed and started amounts too (each is the sum over those projects), so leaving it out of
# the by-chain sums changes none of them, and a (region, month, chain) left with no cell is exactly
# one that CHAIN_NONZERO drops. At 10^4 projects this leaves less than half the fine cells (8.7k of
# 19k), and the numeric sum states of the dropped groups are never made.
CHAIN_CELL = "(signed_count > 0 OR started_count > 0)"


# The live fine cells of a rebuild or a comparison: the grouped query over every milestone,
# written once into a temporary table of the connection (like its GROUP BY floor), which the
# comparison joins with the stored tables and a rewrite after drift copies from. One grouped query
# a rebuild whether or not something drifted.
LIVE = "_rollups_live"


def _live_cells(cursor, kinds: tuple[str, ...]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {LIVE}")
    cursor.execute(
        f"CREATE TEMP TABLE {LIVE} AS SELECT {MONTHLY_COLUMNS} FROM {MONTHLY} WHERE 1 = 0"
    )
    cursor.execute(f"INSERT INTO {LIVE} ({MONTHLY_COLUMNS}) {_monthly_select(False, kinds)}")


def _diff(cursor, kinds: tuple[str, ...]) -> Comparison:
    """Compare the stored tables with a live aggregate in one statement: the fine grouped query
    runs once (into the temporary table `LIVE`), and the region-month and by-chain sums are taken
    from it; the stage snapshot is grouped from the projects beside it."""
    _live_cells(cursor, kinds)
    rm_key = "l.region_id = r.region_id AND l.month = r.month"
    chain_key = f"{rm_key} AND coalesce(l.chain_id, 0) = coalesce(r.chain_id, 0)"
    cursor.execute(
        f"WITH _ls({STAGE_COLUMNS}) AS ({STAGE_SELECT.format(where='')}) "
        f"SELECT (SELECT count(*) FROM {LIVE} l FULL JOIN {MONTHLY} r "
        f"ON {_same_cell('l', 'r')} WHERE l.region_id IS NULL "
        f"OR r.region_id IS NULL OR {_differs(MEASURE_COLUMNS)}), "
        f"(SELECT count(*) FROM (SELECT region_id, month, {REGION_MONTH_SUMS_AS} FROM {LIVE} "
        f"GROUP BY region_id, month) l FULL JOIN {REGION_MONTHS} r ON {rm_key} "
        f"WHERE l.region_id IS NULL OR r.region_id IS NULL OR {_differs(MEASURE_COLUMNS)}), "
        f"(SELECT count(*) FROM (SELECT region_id, month, chain_id, {CHAIN_SUMS_AS} FROM {LIVE} "
        f"WHERE {CHAIN_CELL} GROUP BY region_id, month, chain_id) l FULL JOIN {CHAINS} r "
        f"ON {chain_key} WHERE l.region_id IS NULL OR r.region_id IS NULL "
        f"OR {_differs(CHAIN_COLUMNS)}), "
        f"(SELECT count(*) FROM _ls l FULL JOIN {STAGES} r "
        f"ON {' AND '.join(f'l.{c} = r.{c}' for c in STAGE_CELL)} WHERE l.region_id IS NULL "
        f"OR r.region_id IS NULL OR l.project_count <> r.project_count OR l.amount <> r.amount)"
    )
    monthly, region_month, chain, stage = cursor.fetchone()
    return Comparison(
        monthly_cells=monthly,
        stage_cells=stage,
        region_month_cells=region_month,
        chain_cells=chain,
    )


def _rewrite_drifted(cursor, comparison: Comparison) -> None:
    """Make every table that drifted equal to the live figures (only after `_diff`, in its
    transaction): the fine cells that differ are deleted and the live ones written from `LIVE`
    (no second grouped query, and the cells that were right stay); a region-month, by-chain or
    stage table that drifted is derived again whole (they are small)."""
    if comparison.monthly_cells:
        same = " AND ".join(f"l.{c} = {MONTHLY}.{c}" for c in MEASURE_COLUMNS)
        cursor.execute(
            f"DELETE FROM {MONTHLY} WHERE NOT EXISTS (SELECT 1 FROM {LIVE} l "
            f"WHERE {_same_cell('l', MONTHLY)} AND {same})"
        )
        # In region-month order: a refresh reads a region-month's cells, which then share a few
        # pages (the grouped query's hash order would put each on a page of its own).
        cursor.execute(
            f"INSERT INTO {MONTHLY} ({MONTHLY_COLUMNS}) SELECT {MONTHLY_COLUMNS} FROM {LIVE} l "
            f"WHERE NOT EXISTS (SELECT 1 FROM {MONTHLY} r WHERE {_same_cell('l', 'r')}) "
            f"ORDER BY region_id, month"
        )
    if comparison.region_month_cells:
        cursor.execute(f"DELETE FROM {REGION_MONTHS}")
        cursor.execute(
            f"INSERT INTO {REGION_MONTHS} ({REGION_MONTH_COLUMNS}) SELECT region_id, month, "
            f"{REGION_MONTH_SUMS} FROM {MONTHLY} GROUP BY region_id, month"
        )
    if comparison.chain_cells:
        cursor.execute(f"DELETE FROM {CHAINS}")
        cursor.execute(
            f"INSERT INTO {CHAINS} ({CHAIN_TABLE_COLUMNS}) SELECT region_id, month, chain_id, "
            f"{CHAIN_SUMS} FROM {MONTHLY} GROUP BY region_id, month, chain_id "
            f"HAVING {CHAIN_NONZERO}"
        )
    if comparison.stage_cells:
        cursor.execute(f"DELETE FROM {STAGES}")
        cursor.execute(f"INSERT INTO {STAGES} ({STAGE_COLUMNS}) " + STAGE_SELECT.format(where=""))


def rebuild_all() -> Comparison:
    """Recompute everything from source, report how many cells had drifted, and store the result.
    One task, a handful of statements, never a task per cell: when nothing drifted (the normal
    night) it costs one grouped query and the comparison joins, and writes nothing."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        tune_for_bulk(cursor)
        kinds = counted_agreement_kinds()  # under the lock: a caliber change queues a rebuild
        comparison = _diff(cursor, kinds)
        comparison.returned_false_cells = returned_false_drift(fix=True)
        if comparison.drift:
            logger.error(
                "rollups: full rebuild found %s drifted cells (monthly %s, stage %s, "
                "region-month %s, by-chain %s, returned-as-false %s); fixed",
                comparison.drift,
                comparison.monthly_cells,
                comparison.stage_cells,
                comparison.region_month_cells,
                comparison.chain_cells,
                comparison.returned_false_cells,
            )
        _rewrite_drifted(cursor, comparison)
        cursor.execute(f"DROP TABLE {LIVE}")
        now = timezone.now()
        fields = {
            "rebuilt_at": now,
            "refreshed_at": now,
            "last_drift": comparison.drift,
            "rebuild_requested_at": None,
        }
        # One UPDATE; update_or_create's savepoint and SELECT … FOR UPDATE only the first time.
        if not RollupStatus.objects.filter(pk=1).update(**fields):
            RollupStatus.objects.update_or_create(pk=1, defaults=fields)
    return comparison


def compare_with_live() -> Comparison:
    """How many cells differ between the stored rollups and a live aggregate (read only).

    Outbox rows not yet drained make a legitimate difference; call drain_outbox first when the
    question is "are the rollups correct", as verify_rollups does with --drain."""
    with transaction.atomic(), connection.cursor() as cursor:
        tune_for_bulk(cursor)
        comparison = _diff(cursor, counted_agreement_kinds())
        comparison.returned_false_cells = returned_false_drift()
        transaction.set_rollback(True)
    return comparison
