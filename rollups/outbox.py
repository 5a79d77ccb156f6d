"""The one thing writers import: record which rollup buckets a change touched, inside the writer's
transaction, and ask for a refresh once it commits.

A bucket key is a string:
- ``c|<measure>|<region>|<YYYY-MM-01>|<chain>|<method>|<park>|<conf>|<foreign>|<out of province>``:
  one measure of one fine cell (empty for a null id, 0/1 for the flags);
- ``s|<region id>|<stage>|<chain>|<method>``: the pipeline snapshot cell (empty for a null id;
  the older ``s|<region id>|<stage>``, from outbox rows written before the snapshot had chain and
  method, recounts every chain and method of that region-stage);
- ``m|<region id>|<YYYY-MM-01>``: every cell of a region-month (a full recompute; migrations use it);
- ``p|<project id>``: a project whose own derived state (its 亮灯 light) must be recomputed; the
  rollups ignore it and hand it to the drain listeners (`register_drain_listener`).
Callers pass the keys of the project as it was before the change and as it is after, so the
cells a change *left* are refreshed too.

Within `one_outbox_row()` (a ledger import's or its rollback's writing), every `enqueue_refresh`
still checks the locked periods at its call, but the keys are gathered: the block writes one
outbox row with all of them when it ends without an error (nothing when it raises).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Value

from . import locks, refresh
from .models import CELL_KEY, MILESTONE_MEASURES, Outbox, measure_applies
from .refresh import DRAIN_PENDING_KEY
from .tasks import drain_outbox

logger = logging.getLogger(__name__)


# Drain listeners live beside the drain (rollups.refresh); writers and apps import them here.
register_drain_listener = refresh.register_drain_listener
drain_listeners = refresh.drain_listeners


def project_key(project_id: int) -> str:
    return f"p|{project_id}"


def month_key(region_id: int, month: dt.date) -> str:
    return f"m|{region_id}|{month.replace(day=1).isoformat()}"


def _id(value) -> str:
    return "" if value is None else str(value)


def stage_key(region_id: int, stage: str, chain_id: int | None, method_id: int | None) -> str:
    return f"s|{region_id}|{stage}|{_id(chain_id)}|{_id(method_id)}"


def cell_key(measure: str, region_id: int, month: dt.date, dims: tuple) -> str:
    """dims: (chain id, method id, park id, is_confidential, is_foreign, is_out_of_province)."""
    chain, method, park, confidential, foreign, out_of_province = dims
    return (
        f"c|{measure}|{region_id}|{month.replace(day=1).isoformat()}|{_id(chain)}|{_id(method)}|"
        f"{_id(park)}|{int(bool(confidential))}|{int(bool(foreign))}|{int(bool(out_of_province))}"
    )


def with_verified(measure: str) -> tuple[str, ...]:
    """A funds month also names its verified twin's cell (a verified funds row counts in both)."""
    return (measure, "funds_verified") if measure == "funds" else (measure,)


def project_bucket_keys(project, *, with_funds: bool = True, months=None) -> set[str]:
    """Every cell measure the project counts in as it stands (in memory, plus its stored funds and
    completed-investment months unless `with_funds=False`, for a project just created that has
    none). The signed cell is named whether or not the project's agreement kind counts under the
    caliber: the refresh decides that from the signing records. A soft-deleted
    project still names its cells: the refresh is what leaves it out."""
    if project.region_id is None:
        return set()
    dims = (
        project.chain_id,
        project.method_id,
        project.park_id,
        project.is_confidential,
        project.is_foreign,
        project.is_out_of_province,
    )
    region = project.region_id
    keys = {
        cell_key(measure, region, value, dims)
        for measure, field in MILESTONE_MEASURES
        if (value := getattr(project, field)) is not None and measure_applies(measure, project)
    }
    if months is not None:
        keys.update(cell_key(measure, region, month, dims) for measure, month in months)
    elif with_funds and project.pk is not None:
        # One query for both kinds of monthly amount (a project save's query count stays).
        keys.update(
            cell_key(measure, region, month, dims) for measure, month in stored_months(project)
        )
    keys.add(stage_key(region, project.stage, project.chain_id, project.method_id))
    return keys


def stored_months(project) -> tuple[tuple[str, object], ...]:
    """(measure, month) of the project's stored funds and completed-investment rows, a funds
    month also under its verified twin: one query for both kinds."""
    funds = project.funds.values_list(Value("funds", output_field=CharField()), "month")
    completed = project.completed_investments.values_list(
        Value("completed", output_field=CharField()), "month"
    )
    return tuple(
        (name, month)
        for measure, month in funds.order_by().union(completed.order_by(), all=True)
        for name in with_verified(measure)
    )


@dataclass(frozen=True)
class ProjectBuckets:
    """What a project counted in before a change: its keys and the two things besides them that
    decide its share of every cell (whether it counts at all, and its amount)."""

    keys: frozenset[str]
    is_deleted: bool
    planned_investment: object
    # Every stored field's value, for work beside the rollups that depends on other fields
    # (the project's light: projects.services._record_change).
    values: dict
    # Its stored funds and completed-investment months (stored_months), when read: a change that
    # does not touch those rows reuses them instead of reading them again.
    months: tuple | None = None
    # Taken with `months_when_needed`: `keys` name no month cell yet (changed_bucket_keys reads
    # the months if the change moved their cells).
    months_later: bool = False


# What a funds or completed-investment month cell's key (cell_key) is made of besides its month,
# and whether the project counts at all: a change that moves none of them leaves those cells alone.
MONTH_CELL_FIELDS = (*(field for field in CELL_KEY if field != "month"), "is_deleted")


def project_buckets(project, *, months_when_needed: bool = False) -> ProjectBuckets:
    """Snapshot a project before changing it (in memory, plus its stored funds months).
    `months_when_needed=True`, for a change that writes no funds or completed-investment row: the
    months are read by changed_bucket_keys only if the change moves their cells (MONTH_CELL_FIELDS),
    so an edit of the amount or a date reads them not at all."""
    if months_when_needed:
        months = None
    else:
        months = stored_months(project) if project.pk is not None else ()
    return ProjectBuckets(
        frozenset(project_bucket_keys(project, months=months or ())),
        project.is_deleted,
        project.planned_investment,
        {f.attname: getattr(project, f.attname) for f in project._meta.concrete_fields},
        months,
        months_later=months_when_needed,
    )


def _with_months(before: ProjectBuckets, project) -> ProjectBuckets:
    """`before` (a snapshot without its months) with the project's stored months read now and
    named under the key fields it had then (the change wrote no monthly row)."""
    months = stored_months(project)
    values = before.values
    region = values["region_id"]
    dims = tuple(values[f] for f in MONTH_CELL_FIELDS[1:-1])
    keys = {cell_key(measure, region, month, dims) for measure, month in months}
    return dataclasses.replace(
        before,
        keys=before.keys | keys if region is not None else before.keys,
        months=months,
        months_later=False,
    )


def changed_bucket_keys(before: ProjectBuckets, project, *, months=None) -> set[str]:
    """The keys whose figures the change from `before` to `project` (as it stands now) can have
    changed. A key the project counted in before and counts in now names a cell whose key fields
    (region, month, chain, method, park, flags; for the snapshot, stage) did not change, so its
    figures changed only if the project was deleted or restored, or — for a milestone or stage
    cell — its amount changed; a funds or completed-investment cell sums its own rows, which a
    project edit does not touch. Every key it left or entered is kept. Funds record changes name their own cells.
    `months`: as for project_bucket_keys. A snapshot taken with `months_when_needed` has the
    months read here when the change moved their cells (and is then compared with them)."""
    if before.months_later:
        if any(before.values[f] != getattr(project, f) for f in MONTH_CELL_FIELDS):
            before = _with_months(before, project)
            months = before.months
        else:  # every month cell kept its key: none of them is named
            months = ()
    after = project_bucket_keys(project, months=months)
    if before.is_deleted != project.is_deleted:
        return set(before.keys) | after
    kept = set(before.keys) ^ after
    if before.planned_investment != project.planned_investment:
        kept |= {
            key
            for key in before.keys & after
            if not key.startswith(("c|funds|", "c|completed|", "c|funds_verified|"))
        }
    return kept


CorrectionNote = locks.CorrectionNote


# The keys gathered by the outermost `one_outbox_row()` block; None outside one.
_gathered: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "one_outbox_row", default=None
)


def enqueue_refresh(*, keys: Iterable[str], correction: CorrectionNote | None = None) -> None:
    """Write an outbox row in the current transaction; after commit, make sure a drain is queued.
    A change that moves a figure of a locked period is refused unless `correction` gives a
    reason, and is then recorded as a correction (rollups.locks.guard): every writer passes here.
    Inside `one_outbox_row()` the keys join the block's row instead (the guard still runs here)."""
    keys = sorted(set(keys))
    if not keys:
        return
    locks.guard(keys, correction)
    gathered = _gathered.get()
    if gathered is not None:
        gathered.update(keys)
        return
    _write_row(keys)


def _write_row(keys: list[str]) -> None:
    Outbox.objects.create(keys=keys)
    transaction.on_commit(request_drain)


@contextlib.contextmanager
def one_outbox_row():
    """Within the block (inside the caller's transaction), `enqueue_refresh` gathers its keys; on
    leaving without an error, one outbox row with all of them is written and one drain requested
    after commit. An error writes nothing and propagates. A block inside another adds to the
    outer one. For a writer that calls several services in one transaction (a ledger import)."""
    if _gathered.get() is not None:
        yield
        return
    gathered: set[str] = set()
    token = _gathered.set(gathered)
    try:
        yield
    finally:
        _gathered.reset(token)
    if gathered:
        _write_row(sorted(gathered))


def request_drain() -> None:
    """Queue one drain task unless one is already pending. Never raises: the change is committed
    and its outbox row is safe, so a broker error must not turn a successful save into an error
    page (the user would retry and make a duplicate). The periodic sweep picks the row up."""
    try:
        if not cache.add(DRAIN_PENDING_KEY, "1", timeout=settings.ROLLUP_DRAIN_PENDING_TTL):
            return
        drain_outbox.apply_async(countdown=settings.ROLLUP_COALESCE_SECONDS, retry=False)
    except Exception:
        logger.warning(
            "rollups: could not queue a refresh (broker down?); the sweep will publish it",
            exc_info=True,
        )
        with contextlib.suppress(Exception):  # the same outage; the key expires on its own
            cache.delete(DRAIN_PENDING_KEY)


@contextlib.contextmanager
def drains_held(*, timeout: int = 30 * 60):
    """Within the block, a commit queues no drain, as if one were already pending (the flag
    `request_drain` checks is set); on leaving, the outbox is drained once. For a loader that
    saves hundreds of projects through the services in a row (`load_demo`): each save still
    writes its outbox row, and every bucket is refreshed by one drain at the end instead of one
    drain per commit. Should the process die inside, the flag expires after `timeout` seconds
    and the periodic sweep drains the rows."""
    cache.set(DRAIN_PENDING_KEY, "1", timeout=timeout)
    try:
        yield
    finally:
        cache.delete(DRAIN_PENDING_KEY)
    refresh.drain_outbox()
