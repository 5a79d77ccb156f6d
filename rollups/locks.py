# SQL here is assembled only from module constants (table and column names); values are always
# passed as parameters.
# ruff: noqa: S608
"""Locked periods (锁定期间, issue 21): city staff lock a month or a quarter, and its figures are
frozen as a snapshot written from the rollups: every fine cell of its months (every measure, every
dimension of the cell key, every region) and the region-month rows the dashboards read, with who
locked it and when. The assessment's deductions are snapshotted beside them (`LockedDeduction`:
each region's red lights at the period's end and its evidence returned as false in the period), so
the 通报 and the scores of a locked period do not move when a light or a return is recorded later.

After a lock, a write whose outbox keys name a locked month (`guard`, called by
rollups.outbox.enqueue_refresh, the one place every writer passes through) is refused unless it
comes as a correction with a reason; a correction is recorded (`Correction`) and the live rollups
move as usual, while the snapshot keeps the locked figures. Readers that show a locked period
(dashboards, the API with ``as_locked=1``, the 通报) take its months from the snapshot
(`split_months`). Unlocking needs the city administrator and a reason, and is recorded on the lock.

A digest of the snapshot is stored at lock time; `changed_snapshots` recomputes it
(verify_rollups), so a snapshot edited after its lock is found. The digest covers the region-month
rows whole and the fine cells through their count and per-column sums, computed by the database,
so locking costs about one read of the period's cells.

These models live in rollups because writers below the dashboards must check them (projects
import rollups, never the apps above).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.periods import Period

from .models import (
    CELL_KEY,
    MEASURE_COLUMNS,
    Correction,
    LockedDeduction,
    LockedRegionMonth,
    PeriodKind,
    PeriodLock,
    period_label,
)

LOCK_PERMISSION = "rollups.lock_period"
UNLOCK_PERMISSION = "rollups.unlock_period"
SIX = Decimal("0.000001")


# Where the lock reads the red lights at a day ({region id: projects red}): the lights app
# registers its day tally (lights.selectors.red_light_counts) in its AppConfig.ready, since
# rollups imports no app above it.
_red_light_sources: list[Callable[[dt.date], dict[int, int]]] = []


def register_red_light_source(source: Callable[[dt.date], dict[int, int]]) -> None:
    """Registering twice has no effect; the last one registered is read."""
    if source not in _red_light_sources:
        _red_light_sources.append(source)


def _red_lights_on(day: dt.date) -> dict[int, int]:
    return _red_light_sources[-1](day) if _red_light_sources else {}


# --- reading -------------------------------------------------------------------------------------
# Active locks overlapping a range (either end open), oldest period first. Read on every dashboard
# request and every save: a raw statement (the model's own converters still apply), since building
# the ORM's query cost more CPU than the database took to answer (issue 19).
ACTIVE_LOCKS_SQL = "SELECT * FROM {table} WHERE unlocked_at IS NULL{end}{start} ORDER BY start"


def active_locks(start: dt.date | None = None, end: dt.date | None = None) -> list[PeriodLock]:
    """Active locks overlapping [start, end] (either end open), oldest period first."""
    sql = ACTIVE_LOCKS_SQL.format(
        table=PeriodLock._meta.db_table,
        end=" AND start <= %s" if end is not None else "",
        start=' AND "end" >= %s' if start is not None else "",
    )
    params = [day for day in (end, start) if day is not None]
    return list(PeriodLock.objects.raw(sql, params))


def split_months(
    start: dt.date | None, end: dt.date | None, *, locks: list[PeriodLock] | None = None
) -> tuple[list[PeriodLock], list[tuple[dt.date | None, dt.date | None]]]:
    """The active locks whose months all fall in [start, end] (read those months from the
    snapshot) and the date ranges between them (read live; either end may be open). Rollup months
    are first-of-month dates; a lock only partly inside the range is read live. `locks`: the
    active locks overlapping the range, oldest first, when the caller read them itself."""
    first = start.replace(day=1) if start is not None else None
    last = end.replace(day=1) if end is not None else None
    inside = [
        lock
        for lock in (active_locks(start, end) if locks is None else locks)
        if (first is None or lock.start >= first)
        and (last is None or lock.end.replace(day=1) <= last)
    ]
    if not inside:
        return [], [(start, end)]
    live, cursor = [], start
    for lock in inside:
        if cursor is None or cursor < lock.start:
            live.append((cursor, lock.start - dt.timedelta(days=1)))
        cursor = lock.end + dt.timedelta(days=1)
    if end is None or cursor <= end:
        live.append((cursor, end))
    return inside, live


def lock_covering(start: dt.date, end: dt.date) -> list[PeriodLock]:
    """The active locks that together cover every month of [start, end], or [] if any month is
    live (what the pages show as "已锁定 于 …")."""
    inside, live = split_months(start, end)
    return inside if inside and not live else []


# --- the digest ----------------------------------------------------------------------------------
def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, Decimal):
        return str(value.quantize(SIX))
    if isinstance(value, float):
        return str(Decimal(str(value)).quantize(SIX))
    return str(value)


def snapshot_digest(lock: PeriodLock) -> str:
    """sha256 over the lock's period, its region-month rows (whole) and its cells (count and the
    sum of every column), as stored now."""
    h = hashlib.sha256(f"{lock.kind}|{lock.start}|{lock.end}\n".encode())
    rows = (
        LockedRegionMonth.objects.filter(lock=lock)
        .order_by("region_id", "month")
        .values_list("region_id", "month", *MEASURE_COLUMNS)
    )
    for row in rows:
        h.update(("|".join(_norm(v) for v in row) + "\n").encode())
    with connection.cursor() as cursor:
        cursor.execute(DIGEST_CELLS_SQL, [lock.pk])
        row = cursor.fetchone()
    sums = {
        # A money sum the embedded database returns as a whole number reads as the ORM's Decimal.
        key: Decimal(value) if key in _MONEY_SUMS and isinstance(value, int) else value
        for key, value in zip(_DIGEST_CELL_KEYS, row, strict=True)
    }
    h.update("|".join(f"{k}={_norm(sums[k])}" for k in sorted(sums)).encode())
    # Only when there are any: a lock made before the deductions were snapshotted keeps its digest.
    for row in (
        LockedDeduction.objects.filter(lock=lock)
        .order_by("region_id")
        .values_list("region_id", "red_lights", "returned_false")
    ):
        h.update(("\nd|" + "|".join(str(v) for v in row)).encode())
    return h.hexdigest()


# The cells' count and per-column sums, in one prepared statement: the ORM's aggregate of the same
# 50-odd sums cost more to compile than to run on a quarter's cells (plain SQL, both databases).
_DIGEST_CELL_KEYS = ["n", "regions", "chains", "methods", "parks"] + [
    f"s_{c}" for c in MEASURE_COLUMNS
]
_MONEY_SUMS = {f"s_{c}" for c in MEASURE_COLUMNS if not c.endswith("_count")}
DIGEST_CELLS_SQL = (
    "SELECT COUNT(id), SUM(region_id), SUM(chain_id), SUM(method_id), SUM(park_id), "  # nosec B608
    + ", ".join(f"SUM({c})" for c in MEASURE_COLUMNS)
    + " FROM rollups_lockedcell WHERE lock_id = %s"
)


def changed_snapshots() -> list[PeriodLock]:
    """Active locks whose snapshot no longer matches the digest stored at lock time."""
    return [lock for lock in active_locks() if snapshot_digest(lock) != lock.digest]


# --- writing -------------------------------------------------------------------------------------
def period_bounds(kind: str, year: int, number: int) -> tuple[dt.date, dt.date]:
    """First and last day of month `number` or quarter `number` of `year`."""
    if kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ValidationError({"number": _("A quarter is 1 to 4.")})
        period = Period.of_quarter(year, number)
    elif kind == PeriodKind.MONTH:
        if not 1 <= number <= 12:
            raise ValidationError({"number": _("A month is 1 to 12.")})
        period = Period.of_month(year, number)
    else:
        raise ValidationError({"kind": _("Lock a month or a quarter.")})
    return period.start, period.end


_CELL_COLS = ", ".join([*CELL_KEY, *MEASURE_COLUMNS])
_RM_COLS = ", ".join(["region_id", "month", *MEASURE_COLUMNS])
SNAPSHOT_CELLS_SQL = (
    f"INSERT INTO rollups_lockedcell (lock_id, {_CELL_COLS}) "  # nosec B608
    f"SELECT %s, {_CELL_COLS} FROM rollups_monthlyrollup WHERE month >= %s AND month <= %s"
)
SNAPSHOT_REGION_MONTHS_SQL = (
    f"INSERT INTO rollups_lockedregionmonth (lock_id, {_RM_COLS}) "  # nosec B608
    f"SELECT %s, {_RM_COLS} FROM rollups_regionmonthrollup WHERE month >= %s AND month <= %s"
)


def period_lock(*, kind: str, year: int, number: int, by) -> PeriodLock:
    """Lock a month or quarter: write its snapshot from the rollups as they stand (pending
    changes are applied first, so the snapshot is what the dashboards show)."""
    from .models import Outbox
    from .refresh import drain_outbox

    if not (by and by.is_active and by.has_perm(LOCK_PERMISSION)):
        raise PermissionDenied(_("Only city staff may lock a period."))
    start, end = period_bounds(kind, year, number)
    if Outbox.objects.exists():
        drain_outbox()  # the snapshot must hold every committed change
    return _write_lock(kind=kind, start=start, end=end, by=by)


@transaction.atomic
def _write_lock(*, kind: str, start: dt.date, end: dt.date, by) -> PeriodLock:
    if active_locks(start, end):
        raise ValidationError(
            _("%(period)s overlaps a period that is already locked.")
            % {"period": period_label(kind, start)}
        )
    lock = PeriodLock(kind=kind, start=start, end=end, locked_by=by, locked_at=timezone.now())
    # The fields only: the overlap is checked above, the constraints hold in the database.
    lock.clean_fields(exclude=["digest", "locked_by", "unlocked_by"])
    lock.save()
    with connection.cursor() as cursor:
        cursor.execute(SNAPSHOT_CELLS_SQL, [lock.pk, start, end])
        cursor.execute(SNAPSHOT_REGION_MONTHS_SQL, [lock.pk, start, end])
    _snapshot_deductions(lock)
    lock.digest = snapshot_digest(lock)
    lock.save(update_fields=["digest"])
    return lock


def _snapshot_deductions(lock: PeriodLock) -> None:
    """Every region's red lights at the period's end and returns marked false in its months."""
    from core.models import Region

    from .models import ReturnedFalseTally

    red = _red_lights_on(lock.end)
    returned = dict(
        ReturnedFalseTally.objects.filter(month__gte=lock.start, month__lte=lock.end)
        .order_by()
        .values("region_id")
        .annotate(n=Sum("count"))
        .values_list("region_id", "n")
    )
    LockedDeduction.objects.bulk_create(
        LockedDeduction(
            lock=lock,
            region_id=pk,
            red_lights=red.get(pk, 0),
            returned_false=returned.get(pk, 0),
        )
        for pk in Region.objects.order_by("pk").values_list("pk", flat=True)
    )


@transaction.atomic
def period_unlock(*, lock: PeriodLock, by, reason: str) -> PeriodLock:
    """Unlock a period (the city administrator, with a reason); the lock, its snapshot and its
    corrections stay on record."""
    if not (by and by.is_active and by.has_perm(UNLOCK_PERMISSION)):
        raise PermissionDenied(_("Only the city administrator may unlock a period."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for unlocking.")]})
    lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
    if not lock.is_active:
        raise ValidationError(_("This period is not locked."))
    lock.unlocked_by = by
    lock.unlocked_at = timezone.now()
    lock.unlock_reason = reason[:500]
    lock.full_clean()
    lock.save()
    return lock


@dataclass(frozen=True)
class CorrectionNote:
    """What a writer passes when its change may touch a locked period: why, who, and which record.

    A writer may pass the same note more than once (a signing moves the project's stage, then
    names the event's cells): the note remembers the corrections it recorded, so each locked
    period lists one correction per note, holding every figure it touched."""

    reason: str
    by: object = None
    subject: str = ""
    recorded: dict = field(default_factory=dict, compare=False, repr=False)


def _key_month(key: str) -> dt.date | None:
    parts = key.split("|")
    try:
        if parts[0] == "c":
            return dt.date.fromisoformat(parts[3])
        if parts[0] == "m":
            return dt.date.fromisoformat(parts[2])
    except (IndexError, ValueError):
        return None
    return None


def _touched(months: dict[str, dt.date], locks: list[PeriodLock]) -> dict[PeriodLock, list[str]]:
    """The rule: a key moves a figure of a lock when the month it names lies in the lock's period."""
    touched = {
        lock: sorted(k for k, m in months.items() if lock.start <= m <= lock.end) for lock in locks
    }
    return {lock: ks for lock, ks in touched.items() if ks}


def touched_periods(keys) -> dict[PeriodLock, list[str]]:
    """The active locks whose figures a change naming these outbox keys would move, each with
    the keys that name it (what `guard` refuses without a reason). One small query when the keys
    name any month."""
    months = {key: month for key in keys if (month := _key_month(key)) is not None}
    if not months:
        return {}
    return _touched(months, active_locks(min(months.values()), max(months.values())))


def touched_periods_by_row(rows_keys: list) -> list[list[PeriodLock]]:
    """`touched_periods` for many changes at once (the rows of a ledger import's preview): for
    each list of outbox keys, the active locks it would move, oldest first. One query in all."""
    months = [
        {key: month for key in keys if (month := _key_month(key)) is not None} for keys in rows_keys
    ]
    every = [m for row in months for m in row.values()]
    if not every:
        return [[] for _row in months]
    locks = active_locks(min(every), max(every))
    return [list(_touched(row, locks)) if row else [] for row in months]


def guard(keys: list[str], correction: CorrectionNote | None) -> None:
    """Refuse a change that moves a figure of a locked period unless it is a correction with a
    reason; record the correction. Runs inside the writer's transaction (so a refusal saves
    nothing). One small query when the keys name any month."""
    touched = touched_periods(keys)
    if not touched:
        return
    reason = (correction.reason if correction else "").strip()
    if not reason:
        names = "、".join(lock.label for lock in touched)
        refusal = ValidationError(
            {
                "correction_reason": [
                    _(
                        "This change moves figures of the locked period %(period)s. Give a "
                        "correction reason to save it as a correction."
                    )
                    % {"period": names}
                ]
            }
        )
        refusal.locked_periods = list(touched)  # for callers that show which periods
        raise refusal
    for lock, ks in touched.items():
        earlier = correction.recorded.get(lock.pk)
        if earlier is not None:
            merged = sorted(set(earlier.keys) | set(ks))
            if merged != earlier.keys:
                earlier.keys = merged
                earlier.save(update_fields=["keys"])
            continue
        correction.recorded[lock.pk] = Correction.objects.create(
            lock=lock,
            reason=reason[:500],
            subject=(correction.subject or "")[:300],
            by=correction.by if getattr(correction.by, "pk", None) else None,
            keys=ks,
        )
