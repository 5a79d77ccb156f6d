# SQL here is assembled only from module constants (table, column and field names); values are
# always passed as parameters.
# ruff: noqa: S608
"""Computing the rollups from source rows: the incremental refresh of a few buckets, the full rebuild,
and the comparison with a live aggregate.

Every path runs the same grouped SQL over projects and funds (one statement), so the incremental and
the full computation cannot disagree. A refresh replaces its buckets' rows (delete + insert in one
transaction): running it twice, or after another, gives the same rows. Refreshes and rebuilds take one
PostgreSQL advisory lock so a slow refresh can never write an older picture over a newer one.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import MEASURE_COLUMNS, MILESTONE_MEASURES, Outbox, RollupStatus

logger = logging.getLogger(__name__)

LOCK_ID = 0x4A5A_0501  # "JZ" rollups; any constant shared by every writer of the rollup tables
DRAIN_BATCH = 2000

MONTHLY = "rollups_monthlyrollup"
REGION_MONTHS = "rollups_regionmonthrollup"
STAGES = "rollups_stagerollup"
CELL = ["region_id", "month", "chain_id", "method_id"]


# The same SQL runs on PostgreSQL (always, in production and tests) and on SQLite (`make run` with
# no DATABASE_URL): only month arithmetic differs.
def _pg() -> bool:
    return connection.vendor == "postgresql"


def _month_of(expr: str) -> str:
    if _pg():
        return f"date_trunc('month', {expr}::timestamp)::date"
    return f"date({expr}, 'start of month')"


def _next_month(expr: str) -> str:
    return f"({expr} + interval '1 month')::date" if _pg() else f"date({expr}, '+1 month')"


def _monthly_select(keyed: bool) -> str:
    """The grouped query. With `keyed`, a CTE `_rk(region_id, month)` (prepended by the caller)
    limits it to those buckets, joined so each branch uses the (region, date) indexes."""
    branches = []
    for i, (_measure, field) in enumerate(MILESTONE_MEASURES):
        if keyed:
            # LATERAL + OFFSET 0 (kept from being flattened into a join): one (region, date) index
            # range scan per bucket. A plain join lets the planner, blind to the month range,
            # hash the whole table on region (13 values): a seq scan at any size. SQLite (make
            # run) has no LATERAL and gets the plain join.
            inner = (
                f"SELECT chain_id, method_id, planned_investment FROM projects_project "
                f"WHERE region_id = k.region_id AND {field} >= k.month "
                f"AND {field} < {_next_month('k.month')} AND NOT is_deleted"
            )
            source = (
                f"_rk k CROSS JOIN LATERAL ({inner} OFFSET 0) p"
                if _pg()
                else f"_rk k JOIN projects_project p ON p.region_id = k.region_id "
                f"AND p.{field} >= k.month AND p.{field} < {_next_month('k.month')} "
                f"AND NOT p.is_deleted"
            )
            branches.append(
                f"SELECT k.region_id, k.month, p.chain_id, p.method_id, {i} AS kind, "
                f"p.planned_investment AS amount FROM {source}"
            )
        else:
            branches.append(
                f"SELECT p.region_id, {_month_of('p.' + field)} AS month, p.chain_id, p.method_id, "
                f"{i} AS kind, p.planned_investment AS amount FROM projects_project p "
                f"WHERE NOT p.is_deleted AND p.{field} IS NOT NULL"
            )
    funds_kind = len(MILESTONE_MEASURES)
    if keyed:
        branches.append(
            f"SELECT p.region_id, k.month, p.chain_id, p.method_id, {funds_kind} AS kind, f.amount "
            f"FROM _rk k JOIN projects_fundsinplace f ON f.month = k.month "
            f"JOIN projects_project p ON p.id = f.project_id AND p.region_id = k.region_id "
            f"WHERE NOT p.is_deleted"
        )
    else:
        branches.append(
            f"SELECT p.region_id, f.month, p.chain_id, p.method_id, {funds_kind} AS kind, f.amount "
            f"FROM projects_fundsinplace f JOIN projects_project p ON p.id = f.project_id "
            f"WHERE NOT p.is_deleted"
        )
    measures = []
    for i in range(funds_kind + 1):
        measures.append(f"count(*) FILTER (WHERE kind = {i})")
        measures.append(f"coalesce(sum(amount) FILTER (WHERE kind = {i}), 0)")
    union = "\nUNION ALL\n".join(branches)
    return (
        f"SELECT region_id, month, chain_id, method_id, {', '.join(measures)}\n"
        f"FROM ({union}) e GROUP BY region_id, month, chain_id, method_id"
    )


MONTHLY_COLUMNS = ", ".join(CELL + MEASURE_COLUMNS)
REGION_MONTH_COLUMNS = ", ".join(["region_id", "month", *MEASURE_COLUMNS])
REGION_MONTH_SUMS = ", ".join(f"sum({c})" for c in MEASURE_COLUMNS)
REGION_MONTH_SUMS_AS = ", ".join(f"sum({c}) AS {c}" for c in MEASURE_COLUMNS)
STAGE_SELECT = (
    "SELECT region_id, stage, count(*), coalesce(sum(planned_investment), 0) "
    "FROM projects_project WHERE NOT is_deleted {where} GROUP BY region_id, stage"
)


def _parse_keys(keys: Iterable[str]) -> tuple[list[tuple[int, dt.date]], list[tuple[int, str]]]:
    months, stages = set(), set()
    for key in keys:
        kind, region, value = key.split("|")
        if kind == "m":
            months.add((int(region), dt.date.fromisoformat(value)))
        elif kind == "s":
            stages.add((int(region), value))
    return sorted(months), sorted(stages)


def _lock(cursor) -> None:
    if _pg():  # SQLite serialises writers on its own
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])


def _values(rows: list[tuple], casts: tuple[str, str]) -> tuple[str, list]:
    """A VALUES list the planner sizes exactly (a temp table would be guessed at ~2,000 rows and
    scanned into a merge join over a whole region)."""
    row = f"(CAST(%s AS {casts[0]}), CAST(%s AS {casts[1]}))"
    return ", ".join([row] * len(rows)), [value for pair in rows for value in pair]


def refresh_buckets(keys: Iterable[str]) -> None:
    """Recompute the given buckets from source and replace their rows. Call inside a transaction
    that holds the advisory lock (drain_outbox does)."""
    months, stages = _parse_keys(keys)
    with connection.cursor() as cursor:
        if months:
            values, params = _values(months, ("integer", "date"))
            cte = f"WITH _rk(region_id, month) AS (VALUES {values}) "
            cursor.execute(
                f"{cte}DELETE FROM {MONTHLY} WHERE EXISTS (SELECT 1 FROM _rk k "
                f"WHERE {MONTHLY}.region_id = k.region_id AND {MONTHLY}.month = k.month)",
                params,
            )
            # The CTE leads the statement: SQLite accepts WITH only there.
            cursor.execute(
                f"{cte}INSERT INTO {MONTHLY} ({MONTHLY_COLUMNS}) {_monthly_select(True)}", params
            )
            keyed = "(region_id, month) IN (SELECT region_id, month FROM _rk)"
            cursor.execute(f"{cte}DELETE FROM {REGION_MONTHS} WHERE {keyed}", params)
            cursor.execute(
                f"{cte}INSERT INTO {REGION_MONTHS} ({REGION_MONTH_COLUMNS}) "
                f"SELECT region_id, month, {REGION_MONTH_SUMS} FROM {MONTHLY} "
                f"WHERE {keyed} GROUP BY region_id, month",
                params,
            )
        if stages:
            values, params = _values(stages, ("integer", "varchar(12)"))
            where = f"(region_id, stage) IN (VALUES {values})"
            cursor.execute(f"DELETE FROM {STAGES} WHERE {where}", params)
            cursor.execute(
                f"INSERT INTO {STAGES} (region_id, stage, project_count, amount) "
                + STAGE_SELECT.format(where="AND " + where),
                params,
            )


def drain_outbox() -> int:
    """Refresh every bucket named in the outbox, then delete those rows; returns rows drained.

    Rows and refresh go in one transaction: if the worker dies half-way, the rows are still there
    and the next drain (or the sweep) does the work again."""
    from .outbox import DRAIN_PENDING_KEY

    # Clear the "drain queued" flag first: a commit from now on queues a new drain, and every row
    # committed before this point is visible to the select below. Nothing falls between the two.
    try:
        from django.core.cache import cache

        cache.delete(DRAIN_PENDING_KEY)
    except Exception:
        logger.warning("rollups: could not clear the drain flag", exc_info=True)
    drained = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor)
            rows = list(
                Outbox.objects.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "keys")[:DRAIN_BATCH]
            )
            if not rows:
                break
            keys = set()
            for _id, row_keys in rows:
                keys.update(row_keys)
            refresh_buckets(keys)
            Outbox.objects.filter(id__in=[i for i, _k in rows]).delete()
            if settings.ROLLUP_TEST_DRAIN_DELAY:  # test hook: a worker killed before commit
                time.sleep(settings.ROLLUP_TEST_DRAIN_DELAY)
            RollupStatus.objects.update_or_create(pk=1, defaults={"refreshed_at": timezone.now()})
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

    @property
    def drift(self) -> int:
        return self.monthly_cells + self.stage_cells + self.region_month_cells


def _compute_live(cursor) -> None:
    """Fill temp tables _live_m and _live_s with the full live aggregate."""
    cursor.execute("DROP TABLE IF EXISTS _live_m")
    cursor.execute("DROP TABLE IF EXISTS _live_s")
    cursor.execute(f"CREATE TEMP TABLE _live_m AS SELECT * FROM {MONTHLY} WHERE 1 = 0")
    cursor.execute(f"INSERT INTO _live_m ({MONTHLY_COLUMNS}) {_monthly_select(False)}")
    cursor.execute(f"CREATE TEMP TABLE _live_s AS SELECT * FROM {STAGES} WHERE 1 = 0")
    cursor.execute(
        "INSERT INTO _live_s (region_id, stage, project_count, amount) "
        + STAGE_SELECT.format(where="")
    )


def _diff(cursor) -> Comparison:
    """Cells present on one side only, or with any differing figure, counted once per cell."""
    values = " OR ".join(f"l.{c} IS DISTINCT FROM r.{c}" for c in MEASURE_COLUMNS)
    cursor.execute(
        f"SELECT count(*) FROM _live_m l FULL JOIN {MONTHLY} r ON l.region_id = r.region_id "
        f"AND l.month = r.month AND coalesce(l.chain_id, 0) = coalesce(r.chain_id, 0) "
        f"AND coalesce(l.method_id, 0) = coalesce(r.method_id, 0) "
        f"WHERE l.region_id IS NULL OR r.region_id IS NULL OR {values}"
    )
    monthly = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT count(*) FROM _live_s l FULL JOIN {STAGES} r "
        f"ON l.region_id = r.region_id AND l.stage = r.stage WHERE l.region_id IS NULL "
        f"OR r.region_id IS NULL OR l.project_count <> r.project_count OR l.amount <> r.amount"
    )
    stage = cursor.fetchone()[0]
    values = " OR ".join(f"l.{c} IS DISTINCT FROM r.{c}" for c in MEASURE_COLUMNS)
    cursor.execute(
        f"SELECT count(*) FROM (SELECT region_id, month, {REGION_MONTH_SUMS_AS} "
        f"FROM _live_m GROUP BY region_id, month) l FULL JOIN {REGION_MONTHS} r "
        f"ON l.region_id = r.region_id AND l.month = r.month "
        f"WHERE l.region_id IS NULL OR r.region_id IS NULL OR {values}"
    )
    return Comparison(
        monthly_cells=monthly, stage_cells=stage, region_month_cells=cursor.fetchone()[0]
    )


def rebuild_all() -> Comparison:
    """Recompute everything from source, report how many cells had drifted, and store the result.
    One statement per table, one transaction, never a task per cell."""
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        _compute_live(cursor)
        comparison = _diff(cursor)
        if comparison.drift:
            logger.error(
                "rollups: full rebuild found %s drifted cells (monthly %s, stage %s, "
                "region-month %s); fixed",
                comparison.drift,
                comparison.monthly_cells,
                comparison.stage_cells,
                comparison.region_month_cells,
            )
            cursor.execute(f"DELETE FROM {MONTHLY}")
            cursor.execute(
                f"INSERT INTO {MONTHLY} ({MONTHLY_COLUMNS}) SELECT {MONTHLY_COLUMNS} FROM _live_m"
            )
            cursor.execute(f"DELETE FROM {REGION_MONTHS}")
            cursor.execute(
                f"INSERT INTO {REGION_MONTHS} ({REGION_MONTH_COLUMNS}) SELECT region_id, month, "
                f"{REGION_MONTH_SUMS} FROM _live_m GROUP BY region_id, month"
            )
            cursor.execute(f"DELETE FROM {STAGES}")
            cursor.execute(
                f"INSERT INTO {STAGES} (region_id, stage, project_count, amount) "
                f"SELECT region_id, stage, project_count, amount FROM _live_s"
            )
        now = timezone.now()
        RollupStatus.objects.update_or_create(
            pk=1,
            defaults={
                "rebuilt_at": now,
                "refreshed_at": now,
                "last_drift": comparison.drift,
                "rebuild_requested_at": None,
            },
        )
    return comparison


def compare_with_live() -> Comparison:
    """How many cells differ between the stored rollups and a live aggregate (read only).

    Outbox rows not yet drained make a legitimate difference; call drain_outbox first when the
    question is "are the rollups correct", as verify_rollups does with --drain."""
    with transaction.atomic(), connection.cursor() as cursor:
        _compute_live(cursor)
        comparison = _diff(cursor)
        transaction.set_rollback(True)
    return comparison


def request_rebuild() -> None:
    """Mark a recompute as requested (the dashboard's refresh button) and queue it after commit."""
    RollupStatus.objects.update_or_create(pk=1, defaults={"rebuild_requested_at": timezone.now()})

    def _send() -> None:
        try:
            from .tasks import rebuild_rollups

            rebuild_rollups.apply_async(retry=False)
        except Exception:
            logger.warning("rollups: could not queue the requested rebuild", exc_info=True)

    transaction.on_commit(_send)
