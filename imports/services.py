"""Ledger imports: check a file (preview), import it in one transaction through the domain services,
and roll a batch back. Every write goes through those services, so an imported row obeys exactly
the rules a form does.

The preview stores its result with the batch: every row's plan (`ImportBatch.plan`, objects
as their ids, `plan_codec`) and a watermark of the change history of the tables the kind writes
(`_watermark`). The import, in whichever worker process it runs, loads that plan with one query
per model it names and writes it; it reads the file again only when the watermark moved, i.e.
someone changed those tables between the preview and the import. Projects, their investors, their
ledger ids, funds rows and events' signings are written in bulk (one statement per table and one
for each table's change history), and targets too; the events themselves once each.

A project row is checked by the preview and not again by the import. The preview checks a new
row with validate_project on the very project the import writes (and keeps its pinyin keys in
the plan); an updated row by project_bulk_apply's own rules run in memory on what the import
writes (planning._check_updates: the row's verdict, its changes and its outbox keys, which
`mark_locked` checks against the locked periods). The import writes a stored plan with
`checked=True`, so project_bulk_create and project_bulk_apply do not run validate_project again
(their stage rules and lock checks still run). That holds only while nothing the plan read has
changed: `_stored_plans` reads the projects to update locked and the watermark again after, and
a plan that no longer holds is made again from the file, whose rows the writers then check
themselves.

Locked periods (issue 21): the preview marks the rows that would move figures of a locked period
(`mark_locked`, the writers' own keys checked by rollups.locks), and the import then needs a
correction reason; the bulk writers share one CorrectionNote, so each locked period lists one
correction per import. Rolling a batch back works the same way (`batch_rollback`): refused while it
would move a locked period, unless given a reason, then one correction per locked period."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.credit_code import normalize_credit_code
from core.history import history_reason
from core.models import Region
from core.textnorm import normalize_name
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from events import services as event_services
from events.models import PromotionEvent, Signing
from projects import services as project_services
from projects.models import FundsInPlace, Project, Stage
from rollups import locks, outbox
from rollups.locks import CorrectionNote
from rollups.models import period_label
from targets import services as target_services
from targets.models import Target
from verification import services as verification_services

from . import evidence, plan_codec, planning
from .models import ImportBatch, Kind, LedgerKey
from .planning import ERROR, IMPORT_REASON, NEW, UNCHANGED, UPDATE, RowPlan
from .readers import LedgerFileError, read_table

# Files above this many rows are checked and imported by a Celery worker, with a progress bar.
ASYNC_ROW_THRESHOLD = 2000
logger = logging.getLogger(__name__)
ROLLBACK_REASON = "撤销导入批次"


# --- progress (kept in Redis: it must be visible while the import's transaction is open) ---------
def progress_key(batch_id: int) -> str:
    return f"imports:progress:{batch_id}"


def progress_get(batch_id: int) -> dict:
    return cache.get(progress_key(batch_id)) or {"done": 0, "total": 0, "phase": ""}


# The progress bar polls about once a second; a Redis round trip per 100 or 200 rows cost a
# 10,000-row import about 0.1-0.2 s, so between the first and the last report at most one write
# per interval goes out.
PROGRESS_INTERVAL_S = 0.25


def _progress_setter(batch: ImportBatch, phase: str) -> Callable[[int, int], None]:
    last = [None]

    def set_progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and last[0] is not None and now - last[0] < PROGRESS_INTERVAL_S:
            return
        last[0] = now
        cache.set(
            progress_key(batch.pk),
            {"done": done, "total": total, "phase": phase},
            timeout=24 * 3600,
        )

    return set_progress


@contextmanager
def _gc_paused():
    """Python's cyclic garbage collector paused while a file is checked or written: those steps
    allocate tens of thousands of long-lived objects (cells, plans, model instances), and each
    allocation burst otherwise triggers full collections that rescan all of them (about a fifth
    of an import's time for 10,000 rows). Nothing here relies on cycles being freed early; the
    collector runs again as soon as the step ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- upload and preview ---------------------------------------------------------------------------
def batch_create(
    *, kind: str, filename: str, data: bytes, by, evidence_zip: UploadedFile | None = None
) -> ImportBatch:
    """Record an upload (with the zip of the evidence files its rows name, if any). Whether it is
    checked here or by a worker is the caller's choice."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown ledger kind.")})
    batch = ImportBatch(
        kind=kind,
        filename=(filename or "")[:255],
        file_data=data,
        file_sha256=hashlib.sha256(data).hexdigest(),
        created_by=by,
        status=ImportBatch.Status.PREVIEWING,
    )
    if evidence_zip is not None:
        batch.evidence_zip_name = (evidence_zip.name or "")[-255:]
        batch.evidence_zip.save(evidence_zip.name or "evidence.zip", evidence_zip, save=False)
    try:
        batch.save()
    except Exception:
        if batch.evidence_zip:
            batch.evidence_zip.delete(save=False)
        raise
    return batch


@contextmanager
def _evidence_of(batch: ImportBatch):
    """The batch's evidence zip, opened and checked as a whole (LedgerFileError), or None."""
    if not batch.evidence_zip:
        yield None
        return
    try:
        fileobj = batch.evidence_zip.open("rb")
    except OSError as exc:
        raise LedgerFileError(_("The evidence zip of this import is missing.")) from exc
    try:
        archive = evidence.EvidenceZip.open(fileobj)
        try:
            yield archive
        finally:
            archive.close()
    finally:
        fileobj.close()


def count_rows(data: bytes, filename: str, kind: str) -> int:
    """Rows in the file, or 0 when the file is unreadable (the preview then says why)."""
    try:
        return len(read_table(data, filename, sheet_names=planning.SHEET_NAMES[kind]).rows)
    except LedgerFileError:
        return 0


def plan_file(
    *,
    kind: str,
    data: bytes,
    filename: str,
    by,
    progress=None,
    writing: bool = False,
    archive: evidence.EvidenceZip | None = None,
) -> list[RowPlan]:
    """Every row's plan, with the evidence files each row names checked against `archive`."""
    table = read_table(data, filename, sheet_names=planning.SHEET_NAMES[kind])
    if not table.rows:
        raise LedgerFileError(_("The sheet has a header but no rows."))
    plans = planning.PLANNERS[kind](table, user=by, progress=progress, writing=writing)
    evidence.plan_evidence(kind=kind, table=table, plans=plans, archive=archive)
    return plans


# The models whose change history tells whether a stored plan still holds: any record written to
# them since the preview (an edit, an import, a delete) means the plan is made again from the file.
WATCHED = {
    Kind.PROJECTS: (Project, Enterprise),
    Kind.ENTERPRISES: (Enterprise,),
    Kind.FUNDS: (FundsInPlace, Project),
    Kind.EVENTS: (PromotionEvent, Signing, Project),
    Kind.TARGETS: (Target,),
}


def _watermark_columns(kind: str) -> dict[str, Subquery]:
    """The latest change-history id of each watched model, as columns of a query on the batch."""
    return {
        f"watermark_{i}": Subquery(
            model.history.model.objects.order_by("-history_id").values("history_id")[:1]
        )
        for i, model in enumerate(WATCHED[kind])
    }


def _watermark(batch_id: int, kind: str) -> list[int | None]:
    columns = _watermark_columns(kind)
    return list(
        ImportBatch.objects.filter(pk=batch_id).annotate(**columns).values_list(*columns).get()
    )


def batch_preview(*, batch: ImportBatch) -> ImportBatch:
    """Check the file row by row and store the preview and the plan; writes nothing else."""
    data = bytes(batch.file_data)
    batch.plan, batch.plan_watermark = [], []
    try:
        # A savepoint: a database error while checking leaves the connection usable, so the
        # batch can still be marked as failed below, inside a caller's transaction too.
        with _gc_paused(), transaction.atomic(), _evidence_of(batch) as archive:
            watermark = _watermark(batch.pk, batch.kind)
            plans = plan_file(
                kind=batch.kind,
                data=data,
                filename=batch.filename,
                by=batch.created_by,
                progress=_progress_setter(batch, "preview"),
                archive=archive,
            )
            mark_locked(kind=batch.kind, plans=plans, by=batch.created_by)
    except LedgerFileError as exc:
        batch.status = ImportBatch.Status.REJECTED
        batch.message = str(exc)
        batch.preview, batch.summary, batch.row_count = [], {}, 0
    except Exception:
        # Never left "checking" for ever: the batch ends failed, saying so, and the cause is logged.
        logger.exception("Checking import batch #%s failed", batch.pk)
        batch.status = ImportBatch.Status.FAILED
        batch.message = _(
            "The file could not be checked because of an internal error; nothing was imported. "
            "Please tell the administrator (batch #%(id)d)."
        ) % {"id": batch.pk}
        batch.preview, batch.summary, batch.row_count = [], {}, 0
    else:
        batch.status = ImportBatch.Status.PREVIEWED
        batch.preview = [p.as_json() for p in plans]
        batch.plan, batch.plan_watermark = plan_codec.dump(plans), watermark
        batch.summary = planning.summarise(plans)
        batch.row_count = len(plans)
        batch.message = ""
    # Not the file itself: it has not changed, and rewriting it costs as much as the preview.
    batch.save(update_fields=[*_RESULT_FIELDS, "preview", "plan", "plan_watermark"])
    return batch


# What an import changes on its batch (the preview and plan too when it had to check again).
_RESULT_FIELDS = [
    "status",
    "message",
    "summary",
    "row_count",
    "created",
    "updated",
    "ledger_keys",
    "imported_at",
    "updated_at",
]


# --- locked periods --------------------------------------------------------------------------------
def _row_keys(kind: str, plans: list[RowPlan], by) -> list[tuple[RowPlan, set[str]]]:
    """The outbox keys each row to be written would name, worked out by the bulk writers' own key
    functions (projects.services), writing nothing. Events and targets name none here: their
    writers' lock check refuses at the import instead, naming the first row refused."""
    todo = [p for p in plans if p.action in (NEW, UPDATE)]
    if kind == Kind.FUNDS:
        return [
            (p, project_services.funds_row_keys(p.fields["project"], p.fields["month"]))
            for p in todo
        ]
    if kind != Kind.PROJECTS:
        return []
    # A new row's project as its check built it, when the plan was just made (building it is
    # most of a new row's cost: its pinyin); a stored plan's is built again.
    out = [
        (
            p,
            project_services.new_project_keys(
                p.project
                or project_services.new_project(
                    by=by,
                    row={
                        **p.fields,
                        "stage": p.extra.get("stage") or Stage.LEAD,
                        "investor": p.extra.get("investor"),
                    },
                )
            ),
        )
        for p in todo
        if p.action == NEW
    ]
    # An updated row's keys, found when its plan was made (planning._check_updates), or for a
    # stored plan found again the same way; a row refused now shows its error, as the import
    # would.
    updated = [p for p in todo if p.action == UPDATE]
    again = [p for p in updated if p.keys is None]
    verdicts = project_services.project_bulk_apply_preview(
        by=by,
        rows=[(p.target, p.extra.get("stage"), planning.update_fields(p)) for p in again],
        reason=IMPORT_REASON,
    )
    for plan, verdict in zip(again, verdicts, strict=True):
        if isinstance(verdict, Exception):
            for column, message in _errors_of(verdict, kind):
                plan.error(column, message)
        else:
            plan.keys = verdict[1]
    out += [(p, p.keys) for p in updated if p.action == UPDATE]
    return out


def mark_locked(*, kind: str, plans: list[RowPlan], by) -> None:
    """Mark on each row the locked periods (rollups.locks) whose figures it would move, by the
    same check the writers make when they write (locks.touched_periods_by_row over the keys the
    writers name): the preview lists them and the import then asks for a correction reason."""
    for plan in plans:
        plan.locked = []
    pairs = _row_keys(kind, plans, by)
    if not pairs:
        return
    for (plan, _keys), periods in zip(
        pairs, locks.touched_periods_by_row([keys for _plan, keys in pairs]), strict=True
    ):
        plan.locked = [[lock.kind, lock.start.isoformat()] for lock in periods]


def locked_rows(preview: list[dict]) -> list[tuple[int, list[str]]]:
    """(row, period labels) of the preview's rows to be written that move a locked period."""
    return [
        (
            r["row"],
            [period_label(kind, dt.date.fromisoformat(start)) for kind, start in r["locked"]],
        )
        for r in preview
        if r.get("locked") and r["action"] in (NEW, UPDATE)
    ]


def locked_periods(preview: list[dict]) -> list[str]:
    """The labels of the locked periods the preview's rows to be written would move."""
    seen: dict[str, None] = {}
    for _row, labels in locked_rows(preview):
        seen.update(dict.fromkeys(labels))
    return list(seen)


def locked_refusal(periods: list[str]) -> str:
    return _(
        "Nothing was imported: this import moves figures of the locked period %(period)s. "
        "Give a correction reason to import it as a correction."
    ) % {"period": "、".join(periods)}


# --- import ---------------------------------------------------------------------------------------
class _Abort(Exception):
    pass


class _Locked(Exception):
    """A writer refused the rows: they move a locked period and no correction reason was given."""


def _periods_of(exc: ValidationError) -> list[list[str]]:
    return [[lock.kind, lock.start.isoformat()] for lock in getattr(exc, "locked_periods", [])]


def _is_lock_refusal(exc: Exception) -> bool:
    return isinstance(exc, ValidationError) and "correction_reason" in getattr(
        exc, "error_dict", {}
    )


def _stored_plans(batch: ImportBatch, watermark: list) -> list[RowPlan] | None:
    """The preview's plans, when nothing they depend on was changed since; else None.

    Called inside the import's transaction. The writers do not check the stored rows a second
    time (`checked`), so the projects they update are read locked and the watermark is read
    again after that: a change committed before the lock shows in it, a later one waits for the
    import. (A plan of new rows only reads nothing a writer would check again.)"""
    if not batch.plan or batch.plan_watermark != watermark:
        return None
    projects = batch.kind == Kind.PROJECTS
    try:
        plans = plan_codec.load(batch.plan, lock=("projects.project",) if projects else ())
    except plan_codec.Gone:
        return None
    if (
        projects
        and any(p.action == UPDATE for p in plans)
        and batch.plan_watermark != _watermark(batch.pk, batch.kind)
    ):
        return None
    return plans


def batch_import(
    *, batch: ImportBatch, by, skip_errors: bool = False, correction_reason: str = ""
) -> ImportBatch:
    """Import every row of a previewed batch in one transaction, or nothing.

    The rows are those the preview planned (stored with the batch), unless the tables the kind
    writes changed since: then the file is checked again inside the transaction. Any row in
    error, at checking or at writing, rolls everything back. `skip_errors=True` (the user chose
    to import the other rows) leaves out the rows the preview showed in error; a row that breaks
    a rule only now still rolls everything back, since the user never saw it.

    Rows that move figures of a locked period are written only with `correction_reason`: one
    correction note for the whole import (one correction per locked period, listing every figure
    it touched). Without it the writers refuse, nothing is written and the batch stays previewed,
    its rows marked, so the user can give the reason and confirm again.
    """
    columns = _watermark_columns(batch.kind)
    batch = ImportBatch.objects.defer("preview", "file_data").annotate(**columns).get(pk=batch.pk)
    watermark = [getattr(batch, name) for name in columns]
    if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.IMPORTING):
        raise ValidationError(_("This batch cannot be imported in its current state."))
    batch.created, batch.updated, batch.ledger_keys = {}, {}, []
    fields = _RESULT_FIELDS
    set_progress = _progress_setter(batch, "import")
    stored: list = []  # evidence files written to storage, removed again if nothing commits
    correction = CorrectionNote(
        reason=correction_reason,
        by=by,
        subject=_("Ledger import #%(id)d (%(file)s)") % {"id": batch.pk, "file": batch.filename},
    )
    try:
        with _gc_paused(), transaction.atomic(), _evidence_of(batch) as archive:
            plans = _stored_plans(batch, watermark)
            # The preview checked the stored plan's rows, and nothing they read has changed
            # (the projects kind's writers rely on it, _stored_plans).
            checked = plans is not None
            if plans is None:
                skipped_rows = (
                    {p["row"] for p in batch.plan if p["action"] == ERROR} if skip_errors else set()
                )
                plans = plan_file(
                    kind=batch.kind,
                    data=bytes(
                        ImportBatch.objects.values_list("file_data", flat=True).get(pk=batch.pk)
                    ),
                    filename=batch.filename,
                    by=by,
                    writing=True,
                    archive=archive,
                )
                fields = [*_RESULT_FIELDS, "preview", "plan"]
                batch.plan = []  # written: never imported twice
            else:
                skipped_rows = {p.row for p in plans if p.action == ERROR} if skip_errors else set()
            if any(p.action == ERROR and p.row not in skipped_rows for p in plans):
                raise _Abort(plans)
            with history_reason(f"{IMPORT_REASON} #{batch.pk}"), outbox.one_outbox_row():
                WRITERS[batch.kind](
                    plans,
                    batch=batch,
                    by=by,
                    progress=set_progress,
                    correction=correction,
                    checked=checked,
                )
                try:
                    evidence.attach_evidence(
                        kind=batch.kind,
                        plans=[p for p in plans if p.row not in skipped_rows],
                        archive=archive,
                        by=by,
                        stored=stored,
                        created=batch.created,
                    )
                except (ValidationError, PermissionDenied) as exc:
                    if _is_lock_refusal(exc):
                        raise _Locked(plans, exc) from exc
                    raise _Abort(plans) from exc
            batch.status = ImportBatch.Status.IMPORTED
            batch.imported_at = timezone.now()
            batch.preview = [p.as_json() for p in plans]
            batch.summary = planning.summarise(plans)
            batch.row_count = len(plans)
            skipped = batch.summary[ERROR]
            batch.message = (
                _("%(n)d rows with errors were skipped; the other rows were imported.")
                % {"n": skipped}
                if skipped
                else ""
            )
            batch.save(update_fields=fields)
    except _Locked as refused:
        # Nothing was written; the batch may be confirmed again, with a reason.
        evidence.discard_stored(stored)
        plans, exc = refused.args
        batch.created, batch.updated, batch.ledger_keys = {}, {}, []
        batch.status = ImportBatch.Status.PREVIEWED
        try:
            if batch.kind in (Kind.PROJECTS, Kind.FUNDS):
                mark_locked(kind=batch.kind, plans=plans, by=by)
        except Exception:
            logger.exception("Marking the locked rows of batch #%s failed", batch.pk)
        batch.preview = [p.as_json() for p in plans]
        periods = locked_periods(batch.preview)
        batch.message = locked_refusal(periods) if periods else "；".join(exc.messages)
        batch.save(update_fields=["status", "message", "preview", "updated_at"])
    except _Abort as abort:
        evidence.discard_stored(stored)
        plans = abort.args[0]
        batch.created, batch.updated, batch.ledger_keys = {}, {}, []
        batch.status = ImportBatch.Status.FAILED
        batch.preview = [p.as_json() for p in plans]
        batch.summary = planning.summarise(plans)
        batch.message = _("Nothing was imported: %(n)d rows have errors.") % {
            "n": batch.summary[ERROR]
        }
        batch.save(update_fields=[*_RESULT_FIELDS, "preview"])
    except LedgerFileError as exc:
        evidence.discard_stored(stored)
        batch.status = ImportBatch.Status.REJECTED
        batch.message = str(exc)
        batch.save(update_fields=["status", "message", "updated_at"])
    except Exception:
        evidence.discard_stored(stored)
        # The transaction rolled back: nothing was written. Never left "importing" for ever.
        logger.exception("Importing batch #%s failed", batch.pk)
        batch.created, batch.updated, batch.ledger_keys = {}, {}, []
        batch.status = ImportBatch.Status.FAILED
        batch.message = _(
            "The import stopped because of an internal error; nothing was imported. "
            "Please tell the administrator (batch #%(id)d)."
        ) % {"id": batch.pk}
        batch.save(
            update_fields=["status", "message", "created", "updated", "ledger_keys", "updated_at"]
        )
    return batch


@contextmanager
def _rows_of(plans: list[RowPlan], every: list[RowPlan], kind: str):
    """A bulk service given `plans` refused one of them (`row_index` on its error): the row gets
    the error and the whole file (`every` row) is aborted."""
    try:
        yield
    except (ValidationError, PermissionDenied) as exc:
        if _is_lock_refusal(exc):
            if plans and getattr(exc, "row_index", None) is not None:
                # The writer named the row refused: it shows the periods, as one written alone.
                plans[exc.row_index].locked = _periods_of(exc)
            raise _Locked(every, exc) from exc
        plan = plans[getattr(exc, "row_index", 0)] if plans else every[0]
        for column, message in _errors_of(exc, kind):
            plan.error(column, message)
        raise _Abort(every) from exc


def _errors_of(exc: Exception, kind: str) -> list[tuple[str, str]]:
    headers = {
        Kind.PROJECTS: planning.PROJECT_HEADERS,
        Kind.ENTERPRISES: planning.ENTERPRISE_HEADERS,
        Kind.FUNDS: planning.FUNDS_HEADERS,
        Kind.EVENTS: planning.EVENT_HEADERS,
        Kind.TARGETS: planning.TARGET_HEADERS,
    }[kind]
    return planning._messages_by_column(exc, headers)


def _note(mapping: dict, obj) -> None:
    mapping.setdefault(obj._meta.label_lower, []).append(obj.pk)


def _snapshot(obj, keys) -> dict:
    """Field values before the import, JSON-safe, for rollback."""
    out = {}
    for key in keys:
        field = obj._meta.get_field(key)
        if field.is_relation:
            out[key] = getattr(obj, field.attname)
        else:
            value = getattr(obj, key)
            out[key] = (
                value.isoformat()
                if isinstance(value, dt.date)
                else (
                    str(value)
                    if value is not None and not isinstance(value, (bool, int, str))
                    else value
                )
            )
    return out


def _related_of(model, snaps) -> dict:
    """The objects the snapshots' foreign keys name, deleted ones too, by (model, pk): one query
    per related model however many snapshots."""
    wanted: dict = {}
    for snap in snaps:
        for key, value in snap.items():
            field = model._meta.get_field(key)
            if field.is_relation and value:
                wanted.setdefault(field.related_model, set()).add(value)
    return {
        (related, pk): obj
        for related, ids in wanted.items()
        for pk, obj in related._base_manager.in_bulk(ids).items()
    }


def _restore_values(model, snap: dict, related: dict | None = None) -> dict:
    """A snapshot's values as a service takes them; `related` from _related_of (else read)."""
    if related is None:
        related = _related_of(model, [snap])
    out = {}
    for key, value in snap.items():
        field = model._meta.get_field(key)
        if field.is_relation:
            if value and (field.related_model, value) not in related:
                raise field.related_model.DoesNotExist(f"{field.related_model.__name__} #{value}")
            out[key] = related[(field.related_model, value)] if value else None
        elif value is not None:
            out[key] = field.to_python(value)
        else:
            out[key] = None
    return out


PROJECT_SNAPSHOT_KEYS = [*planning.PROJECT_FIELD_KEYS, "investor", "stage"]


def _write_projects(
    plans: list[RowPlan], *, batch: ImportBatch, by, progress, correction=None, checked=False
) -> None:
    """Every row in bulk: the new investors (enterprise_bulk_create), the new projects
    (project_bulk_create), the updated ones (project_bulk_apply, stage moves included) and the
    ledger ids; each of them one statement plus one for its change history. `checked`: the
    rows are the preview's, checked then (batch_import), so the writers do not check them again
    and the new rows keep the pinyin keys the preview derived."""
    todo = [p for p in plans if p.action in (NEW, UPDATE)]
    # 1. New investors, each created once however many rows name it (matched among themselves
    # as the planner matches known ones: credit code, then name).
    pending: dict = {"code": {}, "name": {}, "normalized": {}}
    groups: list[list[RowPlan]] = []
    for plan in todo:
        if plan.extra.get("investor") is not None:
            continue
        name, code = plan.extra["investor_name"], plan.extra["investor_credit_code"]
        placeholder = planning.find_investor(pending, name, code)
        if placeholder is None:
            placeholder = Enterprise(
                name=name,
                credit_code=normalize_credit_code(code) if code else "",
                normalized_name=pending["normalized"].get(name) or normalize_name(name),
            )
            placeholder.group = []
            groups.append(placeholder.group)
            if placeholder.credit_code:
                pending["code"][placeholder.credit_code] = placeholder
            pending["name"].setdefault(placeholder.normalized_name, []).append(placeholder)
        placeholder.group.append(plan)
    try:
        investors = enterprise_services.enterprise_bulk_create(
            rows=[
                {
                    "name": group[0].extra["investor_name"],
                    "credit_code": group[0].extra["investor_credit_code"],
                }
                for group in groups
            ],
        )
    except ValidationError as exc:
        plan = groups[getattr(exc, "row_index", 0)][0]
        for field, messages in exc.message_dict.items():
            header = planning.PROJECT_HEADERS[
                "investor_credit_code" if field == "credit_code" else "investor_name"
            ]
            for message in messages:
                plan.error(header, message)
        raise _Abort(plans) from exc
    for investor, group in zip(investors, groups, strict=True):
        _note(batch.created, investor)
        for plan in group:
            plan.extra["investor"] = investor
    # 2. New projects.
    new = [p for p in todo if p.action == NEW]
    search_keys = {
        p.fields["name"]: tuple(p.extra["search_keys"])
        for p in new
        if checked and p.extra.get("search_keys")
    }
    with _rows_of(new, plans, Kind.PROJECTS):
        created = project_services.project_bulk_create(
            by=by,
            checked=checked,
            search_keys=search_keys,
            rows=[
                {
                    **plan.fields,
                    "stage": plan.extra.get("stage") or Stage.LEAD,
                    "investor": plan.extra["investor"],
                }
                for plan in new
            ],
            correction=correction,
        )
    for plan, project in zip(new, created, strict=True):
        _note(batch.created, project)
        plan.target = project
    progress(len(new), len(todo))
    # 3. Updated projects, with what they held before (for the rollback).
    updated = [p for p in todo if p.action == UPDATE]
    snapshots = batch.updated.setdefault("projects.project", {})
    rows = []
    for plan in updated:
        snapshots[str(plan.target.pk)] = _snapshot(plan.target, PROJECT_SNAPSHOT_KEYS)
        rows.append((plan.target, plan.extra.get("stage"), planning.update_fields(plan)))
    with _rows_of(updated, plans, Kind.PROJECTS):
        project_services.project_bulk_apply(
            by=by, rows=rows, reason=IMPORT_REASON, correction=correction, checked=checked
        )
    if not updated:
        batch.updated.pop("projects.project")
    # 4. Ledger ids the projects have no key for yet (the planner found none).
    keys = LedgerKey.objects.bulk_create(
        LedgerKey(
            kind=Kind.PROJECTS,
            region_id=plan.target.region_id,
            key=plan.extra["ledger_id"],
            object_id=plan.target.pk,
        )
        for plan in todo
        if plan.extra.get("ledger_id") and not plan.extra.get("ledger_key_known")
    )
    batch.ledger_keys.extend(k.pk for k in keys)
    progress(len(todo), len(todo))


ENTERPRISE_SNAPSHOT_KEYS = [c.key for c in planning.ENTERPRISE_COLUMNS]


def _write_enterprises(
    plans: list[RowPlan], *, batch: ImportBatch, by, progress, correction=None, checked=False
) -> None:
    """Every row in bulk: new enterprises through enterprise_bulk_create, updated ones through
    enterprise_bulk_update (read once, with what they held before kept for the rollback); each
    one statement plus one for its change history."""
    new = [p for p in plans if p.action == NEW]
    with _rows_of(new, plans, Kind.ENTERPRISES):
        created = enterprise_services.enterprise_bulk_create(
            by=by, rows=[dict(p.fields) for p in new]
        )
    for enterprise in created:
        _note(batch.created, enterprise)
    updated = [p for p in plans if p.action == UPDATE]
    if updated:
        current = Enterprise.objects.select_related("park").in_bulk([p.target.pk for p in updated])
        snapshots = batch.updated.setdefault("enterprises.enterprise", {})
        rows = []
        for plan in updated:
            enterprise = current[plan.target.pk]
            snapshots[str(enterprise.pk)] = _snapshot(enterprise, ENTERPRISE_SNAPSHOT_KEYS)
            rows.append((enterprise, dict(plan.fields)))
        with _rows_of(updated, plans, Kind.ENTERPRISES):
            enterprise_services.enterprise_bulk_update(by=by, rows=rows)
    progress(len(plans), len(plans))


def _write_funds(
    plans: list[RowPlan], *, batch: ImportBatch, by, progress, correction=None, checked=False
) -> None:
    """Every month's funds in bulk through funds_bulk_record."""
    todo = [p for p in plans if p.action in (NEW, UPDATE)]
    snapshots = batch.updated.setdefault("projects.fundsinplace", {})
    for plan in todo:
        if plan.action == UPDATE:
            snapshots[str(plan.target.pk)] = _snapshot(plan.target, ["amount", "note"])
    with _rows_of(todo, plans, Kind.FUNDS):
        created, _updated = project_services.funds_bulk_record(
            by=by, rows=[plan.fields for plan in todo], correction=correction
        )
    for record in created:
        _note(batch.created, record)
    if not snapshots:
        batch.updated.pop("projects.fundsinplace")
    progress(len(todo), len(todo))


EVENT_SNAPSHOT_KEYS = list(planning.EVENT_FIELD_KEYS)


def _write_events(
    plans: list[RowPlan], *, batch: ImportBatch, by, progress, correction=None, checked=False
) -> None:
    """Each event created or corrected once, on its first row (a file names few); then every
    row's signing in bulk through events.services.signing_bulk_record, which moves the projects
    not yet signed to the signed stage (what they held before is kept for the rollback)."""
    todo = [p for p in plans if p.action in (NEW, UPDATE)]
    events: dict = {}
    for plan in todo:
        key = plan.extra["event_key"]
        if key in events:
            continue
        with _rows_of([plan], plans, Kind.EVENTS):
            events[key] = _write_event(plan, batch=batch, by=by)
    with_signing = [p for p in todo if p.extra.get("signing")]
    ids = {p.extra["signing"]["project"].pk for p in with_signing}
    projects = Project.objects.select_for_update().in_bulk(list(ids))
    snapshots = batch.updated.setdefault("projects.project", {})
    for project in projects.values():
        if project.signed_on is None:
            # The signing moves the project: keep where it was, for rollback.
            snapshots[str(project.pk)] = _snapshot(project, PROJECT_SNAPSHOT_KEYS)
    if not snapshots:
        batch.updated.pop("projects.project")
    rows = [
        {
            **plan.extra["signing"],
            "project": projects[plan.extra["signing"]["project"].pk],
            "event": events[plan.extra["event_key"]],
        }
        for plan in with_signing
    ]
    with _rows_of(with_signing, plans, Kind.EVENTS):
        signings = event_services.signing_bulk_record(by=by, rows=rows, correction=correction)
    for plan, signing in zip(with_signing, signings, strict=True):
        _note(batch.created, signing)
        plan.extra["signing_record"] = signing.pk
    progress(len(plans), len(plans))


def _write_event(plan: RowPlan, *, batch: ImportBatch, by) -> PromotionEvent:
    """The row's event: created, corrected (what it held before kept for the rollback) or as it
    is."""
    action = plan.extra.get("event_action")
    fields = dict(plan.extra.get("event_fields", {}))
    if action == NEW:
        event = event_services.event_create(by=by, **fields)
        _note(batch.created, event)
        return event
    if action == UPDATE:
        event = PromotionEvent.objects.get(pk=plan.extra["event"].pk)
        snap = _snapshot(event, EVENT_SNAPSHOT_KEYS)
        snap["organisers"] = sorted(event.organisers.values_list("pk", flat=True))
        batch.updated.setdefault("events.promotionevent", {})[str(event.pk)] = snap
        return event_services.event_update(event=event, by=by, **fields)
    return plan.extra["event"]


def _write_targets(
    plans: list[RowPlan], *, batch: ImportBatch, by, progress, correction=None, checked=False
) -> None:
    """Every row in bulk through target_bulk_set (what the updated targets held before kept for
    the rollback)."""
    todo = [p for p in plans if p.action in (NEW, UPDATE)]
    snapshots = batch.updated.setdefault("targets.target", {})
    for plan in todo:
        if plan.action == UPDATE:
            snapshots[str(plan.target.pk)] = _snapshot(plan.target, planning.TARGET_VALUES)
    with _rows_of(todo, plans, Kind.TARGETS):
        created, _updated = target_services.target_bulk_set(
            by=by, rows=[dict(plan.fields) for plan in todo]
        )
    for target in created:
        _note(batch.created, target)
    if not snapshots:
        batch.updated.pop("targets.target")
    progress(len(todo), len(todo))


WRITERS = {
    Kind.PROJECTS: _write_projects,
    Kind.ENTERPRISES: _write_enterprises,
    Kind.FUNDS: _write_funds,
    Kind.EVENTS: _write_events,
    Kind.TARGETS: _write_targets,
}


# --- rollback -------------------------------------------------------------------------------------
def _models():
    from django.apps import apps

    return apps.get_model


@transaction.atomic
def batch_rollback(*, batch: ImportBatch, by, correction_reason: str = "") -> ImportBatch:
    """Undo an imported batch: what it created is deleted (soft for projects and enterprises), what
    it updated gets its earlier values back, through the same services. Refused when any record
    was changed again after the import, so no later work is silently lost.

    A rollback that moves figures of a locked period is refused (nothing changes) unless
    `correction_reason` is given: the writers then share one correction note, so each locked
    period lists one correction for the rollback and its locked figures do not move. The refusal
    carries `locked_periods` (the guard's), for the page to ask for the reason."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.IMPORTED:
        raise ValidationError(_("Only an imported batch can be rolled back."))
    get_model = _models()
    changed_since = _changed_since(batch, get_model)
    if changed_since:
        raise ValidationError(
            _(
                "%(n)d records were changed after this import (e.g. %(example)s); "
                "roll back is refused so that later work is not lost."
            )
            % {"n": len(changed_since), "example": changed_since[0]}
        )
    correction = CorrectionNote(
        reason=correction_reason,
        by=by,
        subject=_("Rollback of ledger import #%(id)d (%(file)s)")
        % {"id": batch.pk, "file": batch.filename},
    )
    try:
        _rollback_writes(batch, by=by, correction=correction)
    except ValidationError as exc:
        if not _is_lock_refusal(exc):
            raise
        periods = list(getattr(exc, "locked_periods", []))
        refusal = ValidationError(rollback_locked_refusal([lock.label for lock in periods]))
        refusal.locked_periods = periods
        raise refusal from exc
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.rolled_back_by = by
    batch.save()
    return batch


def rollback_locked_refusal(periods: list[str]) -> str:
    return _(
        "Nothing was rolled back: rolling back this import moves figures of the locked period "
        "%(period)s. Give a correction reason to roll it back as a correction."
    ) % {"period": "、".join(periods)}


def _rollback_writes(batch: ImportBatch, *, by, correction: CorrectionNote) -> None:
    """batch_rollback's writes, each through its service; every writer that may move a figure
    gets the rollback's one correction note."""
    with history_reason(f"{ROLLBACK_REASON} #{batch.pk}"), outbox.one_outbox_row():
        LedgerKey.objects.filter(pk__in=batch.ledger_keys).delete()
        # The evidence files the import attached from its zip, and the claims they opened (before
        # the records they hang on go).
        verification_services.imported_evidence_remove(
            attachment_ids=batch.created.get(evidence.ATTACHMENTS, []),
            claim_ids=batch.created.get(evidence.CLAIMS, []),
            by=by,
        )
        # Signings first: the projects they moved are restored below.
        event_services.signing_bulk_delete(
            signings=list(
                Signing.objects.filter(
                    pk__in=batch.created.get("events.signing", [])
                ).select_related("event", "project")
            ),
            by=by,
            correction=correction,
        )
        for pk, snap in batch.updated.get("events.promotionevent", {}).items():
            snap = dict(snap)
            organisers = list(Region.objects.filter(pk__in=snap.pop("organisers")))
            event_services.event_update(
                event=PromotionEvent.objects.get(pk=pk),
                by=by,
                organisers=organisers,
                **_restore_values(PromotionEvent, snap),
            )
        for pk in batch.created.get("events.promotionevent", []):
            event = PromotionEvent.objects.filter(pk=pk).first()
            if event is not None:
                event_services.event_delete(event=event, by=by)
        target_services.target_bulk_delete(
            by=by,
            targets=list(Target.objects.filter(pk__in=batch.created.get("targets.target", []))),
        )
        restored = batch.updated.get("targets.target", {})
        target_services.target_bulk_set(
            by=by,
            rows=[
                {
                    "region": target.region,
                    "year": target.year,
                    **_restore_values(Target, restored[str(target.pk)]),
                }
                for target in Target.objects.select_related("region").filter(
                    pk__in=[int(pk) for pk in restored]
                )
            ],
        )
        funds = FundsInPlace.objects.select_related("project")
        project_services.funds_bulk_delete(
            records=list(funds.filter(pk__in=batch.created.get("projects.fundsinplace", []))),
            by=by,
            correction=correction,
        )
        restored = batch.updated.get("projects.fundsinplace", {})
        project_services.funds_bulk_record(
            by=by,
            rows=[
                {
                    "project": record.project,
                    "month": record.month,
                    "amount": _restore_values(FundsInPlace, restored[str(record.pk)])["amount"],
                    "note": restored[str(record.pk)].get("note") or "",
                }
                for record in funds.filter(pk__in=[int(pk) for pk in restored])
            ],
            correction=correction,
        )
        project_services.project_bulk_delete(
            projects=list(Project.objects.filter(pk__in=batch.created.get("projects.project", []))),
            by=by,
            correction=correction,
        )
        restored = batch.updated.get("projects.project", {})
        related = _related_of(Project, restored.values())
        rows = []
        for project in Project.objects.filter(pk__in=[int(pk) for pk in restored]):
            values = _restore_values(Project, restored[str(project.pk)], related)
            rows.append((project, values.pop("stage"), values))
        project_services.project_bulk_apply(
            by=by, rows=rows, reason=ROLLBACK_REASON, correction=correction
        )
        restored = batch.updated.get("enterprises.enterprise", {})
        related = _related_of(Enterprise, restored.values())
        enterprise_services.enterprise_bulk_update(
            by=by,
            rows=[
                (enterprise, _restore_values(Enterprise, restored[str(enterprise.pk)], related))
                for enterprise in Enterprise.objects.select_related("park").filter(
                    pk__in=[int(pk) for pk in restored]
                )
            ],
        )
        for pk in batch.created.get("enterprises.enterprise", []):
            enterprise = Enterprise.objects.filter(pk=pk).first()
            if enterprise is not None:
                enterprise_services.enterprise_delete(enterprise=enterprise)


def _changed_since(batch: ImportBatch, get_model) -> list[str]:
    """Objects whose latest change-history record is not one this batch's import wrote (each of
    those carries the reason "台账导入 #<batch>")."""
    ours = f"{IMPORT_REASON} #{batch.pk}"
    touched: dict[str, set[int]] = {}
    for label, ids in batch.created.items():
        touched.setdefault(label, set()).update(int(i) for i in ids)
    for label, snaps in batch.updated.items():
        touched.setdefault(label, set()).update(int(i) for i in snaps)
    changed = []
    for label, ids in touched.items():
        model = get_model(label)
        latest: dict[int, tuple[int, str]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), 10_000):
            for obj_id, history_id, reason in model.history.model.objects.filter(
                id__in=ordered[start : start + 10_000]
            ).values_list("id", "history_id", "history_change_reason"):
                if obj_id not in latest or history_id > latest[obj_id][0]:
                    latest[obj_id] = (history_id, reason)
        changed += [
            f"{model._meta.verbose_name} #{obj_id}"
            for obj_id, (_history_id, reason) in sorted(latest.items())
            if reason != ours
        ]
    return changed


# --- one call for the management command and tests ---------------------------------------------
def import_file(*, kind: str, data: bytes, filename: str, by, dry_run: bool) -> ImportBatch:
    """Check and (unless dry_run) import a file in the caller's process."""
    batch = batch_create(kind=kind, filename=filename, data=data, by=by)
    batch = batch_preview(batch=batch)
    if dry_run or batch.status != ImportBatch.Status.PREVIEWED or batch.error_count:
        return batch
    return batch_import(batch=batch, by=by)


__all__ = [
    "ASYNC_ROW_THRESHOLD",
    "NEW",
    "UPDATE",
    "UNCHANGED",
    "ERROR",
    "batch_create",
    "batch_preview",
    "batch_import",
    "batch_rollback",
    "import_file",
]
