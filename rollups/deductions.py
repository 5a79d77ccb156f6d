# SQL here is assembled only from module constants (table names); values are always parameters.
# ruff: noqa: S608
"""The returned-as-false tally (rollups.models.ReturnedFalseTally): per region and month, the
evidence records a verifier returned as false (核实为虚假), which the county assessment deducts
for. Like the rollups it is derived data, kept by the writers in their own transaction and
checked by the nightly rebuild and `verify_rollups`:

- verification's services call `returned_false_refresh` with the months a decision moved (a
  return marked false, a verification that clears the mark, a resubmission with another date);
- the drain calls `returned_false_refresh_projects` for the projects it names (``p|<id>``: a
  project deleted, restored or moved to another region takes its marked claims along);
- `returned_false_drift` compares the stored rows with a recount and rewrites them on request.

A refresh recomputes whole months from the claims (never adds a delta), so it is idempotent. The
claims are read by table name (rollups imports no app above it); marked claims are few, so the
months' rows are counted here rather than by a dialect's month function (one path on SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import connection

from .models import CLAIM_TABLE, ReturnedFalseTally

_SOURCE = (
    f"SELECT p.region_id, c.claimed_on FROM {CLAIM_TABLE} c "  # nosec B608
    "JOIN projects_project p ON p.id = c.project_id "
    "WHERE c.found_false = %s AND p.is_deleted = %s AND p.region_id IS NOT NULL"
)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _count(months: set[dt.date] | None) -> Counter:
    """{(region id, month): marked claims} recounted from the claims, for `months` (None: all)."""
    sql, params = _SOURCE, [True, False]
    if months is not None:
        if not months:
            return Counter()
        sql += " AND c.claimed_on >= %s AND c.claimed_on < %s"
        params += [min(months), _next_month(max(months))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out: Counter = Counter()
    for region_id, claimed_on in rows:
        if isinstance(claimed_on, str):  # SQLite hands dates back as text through a raw cursor
            claimed_on = dt.date.fromisoformat(claimed_on)
        month = _month(claimed_on)
        if months is None or month in months:
            out[(region_id, month)] += 1
    return out


def _write(months: set[dt.date] | None, counts: Counter) -> None:
    stored = ReturnedFalseTally.objects.all()
    if months is not None:
        stored = stored.filter(month__in=months)
    stored.delete()
    ReturnedFalseTally.objects.bulk_create(
        ReturnedFalseTally(region_id=region_id, month=month, count=n)
        for (region_id, month), n in sorted(counts.items())
        if n
    )


def _serialise() -> None:
    """One refresh of the tally at a time (two verifiers deciding claims of one month): the
    second waits for the first's commit, then recounts what it committed."""
    if connection.vendor == "postgresql":  # SQLite serialises writers on its own
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('rollups.returned_false'))")


def returned_false_refresh(days: Iterable[dt.date | None]) -> None:
    """Recount the months of `days` (any day of each; None is skipped). Call it inside the
    writer's transaction, after the claims are saved."""
    months = {_month(d) for d in days if d is not None}
    if not months:
        return
    _serialise()
    _write(months, _count(months))


def returned_false_refresh_projects(project_ids: Iterable[int]) -> None:
    """Recount the months of the marked claims of these projects (whatever their region is
    now: the months are recounted for every region, so the one a project left is fixed too)."""
    ids = sorted(set(project_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT DISTINCT claimed_on FROM {CLAIM_TABLE} "  # nosec B608
            f"WHERE found_false = %s AND project_id IN ({marks})",
            [True, *ids],
        )
        days = [row[0] for row in cursor.fetchall()]
    returned_false_refresh(dt.date.fromisoformat(d) if isinstance(d, str) else d for d in days)


def returned_false_drift(*, fix: bool = False) -> int:
    """How many (region, month) rows of the tally differ from a recount of the claims; with
    `fix`, the tally is rewritten from the recount."""
    live = _count(None)
    stored = Counter(
        {
            (region_id, month): n
            for region_id, month, n in ReturnedFalseTally.objects.values_list(
                "region_id", "month", "count"
            )
        }
    )
    drift = sum(1 for key in set(live) | set(stored) if live[key] != stored[key])
    if drift and fix:
        _serialise()
        _write(None, live)
    return drift
