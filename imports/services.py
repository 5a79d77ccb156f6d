"""Ledger imports: check a file (preview), import it in one transaction through the projects and
enterprises services, and roll a batch back. Every write goes through those services, so an
imported row obeys exactly the rules a form does."""

from __future__ import annotations

import contextvars
import datetime as dt
import gc
import hashlib
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from core.bulk import copy_insert, new_instance
from core.credit_code import normalize_credit_code
from core.history import bulk_history_listener, uniform_history_receiver
from core.models import Region
from core.textnorm import normalize_name
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from events import services as event_services
from events.models import PromotionEvent, Signing
from projects import services as project_services
from projects.models import MILESTONE_FIELD, PIPELINE, FundsInPlace, Project, Stage
from targets import services as target_services
from targets.models import Target

from . import planning
from .models import ImportBatch, Kind, LedgerKey
from .planning import ERROR, NEW, UNCHANGED, UPDATE, RowPlan
from .readers import LedgerFileError, read_table

# Files above this many rows are checked and imported by a Celery worker, with a progress bar.
ASYNC_ROW_THRESHOLD = 2000
logger = logging.getLogger(__name__)
IMPORT_REASON = "台账导入"
ROLLBACK_REASON = "撤销导入批次"


# --- change-history capture ---------------------------------------------------------------------
_current_batch: contextvars.ContextVar[ImportBatch | None] = contextvars.ContextVar(
    "import_batch", default=None
)


@contextmanager
def _recording(batch: ImportBatch, reason: str):
    """Every simple-history record written inside is tagged with the batch and listed on it."""
    token = _current_batch.set(batch)
    batch._history_reason = reason
    try:
        yield
    finally:
        _current_batch.reset(token)


@receiver(pre_create_historical_record)
@uniform_history_receiver
def _tag_history(sender, history_instance, **kwargs) -> None:
    batch = _current_batch.get()
    if batch is not None:
        history_instance.history_change_reason = f"{batch._history_reason} #{batch.pk}"


def _list_history_bulk(record_model, pairs) -> None:
    batch = _current_batch.get()
    if batch is not None:
        label = record_model.instance_type._meta.label_lower
        batch.history.extend([label, history_id] for _obj_id, history_id in pairs)


@receiver(post_create_historical_record)
@bulk_history_listener(_list_history_bulk)
def _list_history(sender, instance, history_instance, **kwargs) -> None:
    batch = _current_batch.get()
    if batch is not None:
        batch.history.append([instance._meta.label_lower, history_instance.pk])


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
def batch_create(*, kind: str, filename: str, data: bytes, by) -> ImportBatch:
    """Record an upload. Whether it is checked here or by a worker is the caller's choice."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown ledger kind.")})
    return ImportBatch.objects.create(
        kind=kind,
        filename=(filename or "")[:255],
        file_data=data,
        file_sha256=hashlib.sha256(data).hexdigest(),
        created_by=by,
        status=ImportBatch.Status.PREVIEWING,
    )


def count_rows(data: bytes, filename: str, kind: str) -> int:
    """Rows in the file, or 0 when the file is unreadable (the preview then says why)."""
    try:
        return len(_read_cached(data, filename, kind).rows)
    except LedgerFileError:
        return 0


_last_table: dict = {}


def _read_cached(data: bytes, filename: str, kind: str):
    """The file's table, parsed once per process: the import re-checks the rows its preview
    checked moments before (often in the same process), and parsing is the costly part. Only the
    latest file is kept; the key is its content hash, so a changed file is parsed again."""
    key = (hashlib.sha256(data).hexdigest(), filename.lower().endswith(".csv"), kind)
    if _last_table.get("key") != key:
        _last_table.clear()
        table = read_table(data, filename, sheet_names=planning.SHEET_NAMES[kind])
        _last_table.update(key=key, table=table)
    return _last_table["table"]


def plan_file(
    *, kind: str, data: bytes, filename: str, by, progress=None, writing: bool = False
) -> list[RowPlan]:
    table = _read_cached(data, filename, kind)
    if not table.rows:
        raise LedgerFileError(_("The sheet has a header but no rows."))
    return planning.PLANNERS[kind](table, user=by, progress=progress, writing=writing)


def batch_preview(*, batch: ImportBatch) -> ImportBatch:
    """Check the file row by row and store the preview; writes nothing else."""
    data = bytes(batch.file_data)
    try:
        # A savepoint: a database error while checking leaves the connection usable, so the
        # batch can still be marked as failed below, inside a caller's transaction too.
        with _gc_paused(), transaction.atomic():
            plans = plan_file(
                kind=batch.kind,
                data=data,
                filename=batch.filename,
                by=batch.created_by,
                progress=_progress_setter(batch, "preview"),
            )
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
        batch.summary = planning.summarise(plans)
        batch.row_count = len(plans)
        batch.message = ""
    # Not the file itself: it has not changed, and rewriting it costs as much as the preview.
    batch.save(update_fields=_RESULT_FIELDS)
    _last_preview.clear()
    if batch.status == ImportBatch.Status.PREVIEWED:
        _last_preview.update(key=(batch.pk, batch.updated_at), preview=batch.preview)
    return batch


# The preview this process stored last, with the batch row's updated_at as it was then: an import
# in the same process whose re-check gives the same preview, of a batch row not saved since,
# leaves those ~1.2 MB of JSON (10,000 rows) as they are instead of writing them again.
_last_preview: dict = {}


def _stored_preview_is(batch: ImportBatch, preview: list) -> bool:
    return _last_preview.get("key") == (batch.pk, batch.updated_at) and (
        _last_preview["preview"] == preview
    )


# What a preview or an import changes on its batch.
_RESULT_FIELDS = [
    "status",
    "message",
    "preview",
    "summary",
    "row_count",
    "history",
    "created",
    "updated",
    "ledger_keys",
    "imported_at",
    "updated_at",
]


# --- import ---------------------------------------------------------------------------------------
class _Abort(Exception):
    pass


def batch_import(*, batch: ImportBatch, by, skip_errors: bool = False) -> ImportBatch:
    """Import every row of a previewed batch in one transaction, or nothing.

    The file is checked again inside the transaction (the database may have moved since the
    preview); any row in error, at checking or at writing, rolls everything back.
    `skip_errors=True` (the user chose to import the other rows) leaves out the rows the preview
    showed in error; a row that breaks a rule only now still rolls everything back, since the
    user never saw it.
    """
    # The stored preview is not read (only its error rows, when they are to be skipped): the
    # import checks the file again and replaces it.
    batch = ImportBatch.objects.defer("preview").get(pk=batch.pk)
    if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.IMPORTING):
        raise ValidationError(_("This batch cannot be imported in its current state."))
    skipped_rows: set[int] = set()
    if skip_errors and batch.error_count:
        preview = ImportBatch.objects.values_list("preview", flat=True).get(pk=batch.pk)
        skipped_rows = {r["row"] for r in preview if r["action"] == ERROR}
    batch.history, batch.created, batch.updated, batch.ledger_keys = [], {}, {}, []
    set_progress = _progress_setter(batch, "import")
    try:
        with _gc_paused(), transaction.atomic():
            plans = plan_file(
                kind=batch.kind,
                data=bytes(batch.file_data),
                filename=batch.filename,
                by=by,
                writing=True,
            )
            if any(p.action == ERROR and p.row not in skipped_rows for p in plans):
                raise _Abort(plans)
            applier = APPLIERS[batch.kind]
            context: dict = {}
            total = len(plans)
            with _recording(batch, IMPORT_REASON):
                bulk = BULK_APPLIERS.get(batch.kind)
                if bulk is not None:
                    # Rows that can be written in bulk are; the applier leaves the others.
                    try:
                        bulk(plans, batch=batch, by=by, context=context)
                    except (ValidationError, PermissionDenied) as exc:
                        if not any(p.action == ERROR for p in plans):
                            plans[0].error("", "；".join(getattr(exc, "messages", [str(exc)])))
                        raise _Abort(plans) from exc
                for i, plan in enumerate(plans, 1):
                    if plan.action not in (UNCHANGED, ERROR) and not getattr(
                        plan, "written", False
                    ):
                        # No savepoint per row: any failure aborts the whole file anyway.
                        try:
                            applier(plan, batch=batch, by=by, context=context)
                        except (ValidationError, PermissionDenied) as exc:
                            for column, message in _errors_of(exc, batch.kind):
                                plan.error(column, message)
                            raise _Abort(plans) from exc
                    if i % 100 == 0 or i == total:
                        set_progress(i, total)
            batch.status = ImportBatch.Status.IMPORTED
            batch.imported_at = timezone.now()
            preview = [p.as_json() for p in plans]
            fields = _RESULT_FIELDS
            if _stored_preview_is(batch, preview):
                fields = [f for f in _RESULT_FIELDS if f != "preview"]
            batch.preview = preview
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
            _last_preview.clear()
    except _Abort as abort:
        plans = abort.args[0]
        batch.history, batch.created, batch.updated, batch.ledger_keys = [], {}, {}, []
        batch.status = ImportBatch.Status.FAILED
        batch.preview = [p.as_json() for p in plans]
        batch.summary = planning.summarise(plans)
        batch.message = _("Nothing was imported: %(n)d rows have errors.") % {
            "n": batch.summary[ERROR]
        }
        batch.save(update_fields=_RESULT_FIELDS)
    except LedgerFileError as exc:
        batch.status = ImportBatch.Status.REJECTED
        batch.message = str(exc)
        batch.save(update_fields=["status", "message", "updated_at"])
    except Exception:
        # The transaction rolled back: nothing was written. Never left "importing" for ever.
        logger.exception("Importing batch #%s failed", batch.pk)
        batch.history, batch.created, batch.updated, batch.ledger_keys = [], {}, {}, []
        batch.status = ImportBatch.Status.FAILED
        batch.message = _(
            "The import stopped because of an internal error; nothing was imported. "
            "Please tell the administrator (batch #%(id)d)."
        ) % {"id": batch.pk}
        batch.save(
            update_fields=[
                "status",
                "message",
                "history",
                "created",
                "updated",
                "ledger_keys",
                "updated_at",
            ]
        )
    return batch


def _errors_of(exc: Exception, kind: str) -> list[tuple[str, str]]:
    if isinstance(exc, PermissionDenied):
        return [("", str(exc))]
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


def _restore_values(model, snap: dict) -> dict:
    out = {}
    for key, value in snap.items():
        field = model._meta.get_field(key)
        if field.is_relation:
            out[key] = field.related_model._base_manager.get(pk=value) if value else None
        elif value is not None:
            out[key] = field.to_python(value)
        else:
            out[key] = None
    return out


PROJECT_SNAPSHOT_KEYS = [*planning.PROJECT_FIELD_KEYS, "investor", "stage"]


def _apply_project(plan: RowPlan, *, batch: ImportBatch, by, context: dict) -> None:
    investor = plan.extra.get("investor")
    if investor is None:
        key = (plan.extra["investor_credit_code"], plan.extra["investor_name"])
        investor = context.get(("investor", key))
        if investor is None:
            # An investor two rows name is created once: look among those this batch created.
            investor = planning.find_investor(
                context.setdefault("investors", {"code": {}, "name": {}}),
                plan.extra["investor_name"],
                plan.extra["investor_credit_code"],
            )
        if investor is None:
            investor = enterprise_services.enterprise_create(
                name=plan.extra["investor_name"], credit_code=plan.extra["investor_credit_code"]
            )
            _note(batch.created, investor)
            lookup = context.setdefault("investors", {"code": {}, "name": {}})
            if investor.credit_code:
                lookup["code"][investor.credit_code] = investor
            lookup["name"].setdefault(investor.normalized_name, []).append(investor)
        context[("investor", key)] = investor
    fields = dict(plan.fields)
    stage = plan.extra.get("stage")
    if plan.action == NEW:
        project = project_services.project_create(
            by=by, stage=stage or Stage.LEAD, investor=investor, **fields
        )
        _note(batch.created, project)
    else:
        project = plan.target
        snapshots = batch.updated.setdefault("projects.project", {})
        snapshots[str(project.pk)] = _snapshot(project, PROJECT_SNAPSHOT_KEYS)
        if investor.pk != project.investor_id:
            fields["investor"] = investor
        project = project_apply(project=project, by=by, stage=stage, fields=fields)
    ledger_id = plan.extra.get("ledger_id")
    if ledger_id:
        key, created = LedgerKey.objects.get_or_create(
            kind=Kind.PROJECTS,
            region=project.region,
            key=ledger_id,
            defaults={"object_id": project.pk},
        )
        if created:
            batch.ledger_keys.append(key.pk)


def _bulk_projects(plans: list[RowPlan], *, batch: ImportBatch, by, context: dict) -> None:
    """New projects (and the new investors of any row) in bulk, through
    enterprise_bulk_create / project_bulk_create; updated rows are left to _apply_project (their
    stage moves go through the pipeline service one project at a time). Ledger ids in bulk."""
    todo = [p for p in plans if p.action in (NEW, UPDATE)]
    # 1. New investors, each created once however many rows name it (matched among themselves
    # as _apply_project matches them: credit code, then name).
    lookup = context.setdefault("investors", {"code": {}, "name": {}})
    pending = {"code": {}, "name": {}}
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
                normalized_name=normalize_name(name),
            )
            placeholder.group = []
            groups.append(placeholder.group)
            if placeholder.credit_code:
                pending["code"][placeholder.credit_code] = placeholder
            pending["name"].setdefault(placeholder.normalized_name, []).append(placeholder)
        placeholder.group.append(plan)
    if groups:
        try:
            created = enterprise_services.enterprise_bulk_create(
                rows=[
                    {
                        "name": group[0].extra["investor_name"],
                        "credit_code": group[0].extra["investor_credit_code"],
                    }
                    for group in groups
                ]
            )
        except ValidationError as exc:
            plan = groups[getattr(exc, "row_index", 0)][0]
            for field, messages in exc.message_dict.items():
                header = planning.PROJECT_HEADERS[
                    "investor_credit_code" if field == "credit_code" else "investor_name"
                ]
                for message in messages:
                    plan.error(header, message)
            raise
        for group, investor in zip(groups, created, strict=True):
            _note(batch.created, investor)
            if investor.credit_code:
                lookup["code"][investor.credit_code] = investor
            lookup["name"].setdefault(investor.normalized_name, []).append(investor)
            for plan in group:
                plan.extra["investor"] = investor
    # 2. New projects.
    new = [p for p in todo if p.action == NEW]
    try:
        projects = project_services.project_bulk_create(
            by=by,
            rows=[
                {
                    **plan.fields,
                    "stage": plan.extra.get("stage") or Stage.LEAD,
                    "investor": plan.extra["investor"],
                }
                for plan in new
            ],
        )
    except ValidationError as exc:
        plan = new[getattr(exc, "row_index", 0)]
        for column, message in planning._messages_by_column(exc, planning.PROJECT_HEADERS):
            plan.error(column, message)
        raise
    for plan, project in zip(new, projects, strict=True):
        _note(batch.created, project)
        plan.written = True
        plan.project = project
    # 3. Ledger ids of new rows (updated rows get theirs from _apply_project).
    wanted_keys = {
        (plan.project.region_id, plan.extra["ledger_id"]): plan.project.pk
        for plan in new
        if plan.extra.get("ledger_id")
    }
    if wanted_keys:
        have = set(
            LedgerKey.objects.filter(
                kind=Kind.PROJECTS, key__in={k for _r, k in wanted_keys}
            ).values_list("region_id", "key")
        )
        keys = copy_insert(
            [
                new_instance(
                    LedgerKey, {"kind": Kind.PROJECTS, "region_id": r, "key": k, "object_id": pk}
                )
                for (r, k), pk in wanted_keys.items()
                if (r, k) not in have
            ]
        )
        batch.ledger_keys.extend(k.pk for k in keys)


def project_apply(*, project: Project, by, stage: str | None, fields: dict) -> Project:
    """Bring an existing project to a ledger row's state through the pipeline services: stage moves
    by project_advance_stage (one milestone at a time, each with its date), everything else by
    project_update. Used by imports and by their rollback."""
    fields = dict(fields)
    dates = {f: fields.pop(f) for f in list(fields) if f in MILESTONE_FIELD.values()}
    # Dropping has its own service call; an already-dropped project keeps its drop record.
    drop_reason = fields.pop("drop_reason", None)
    dropped_on = dates.pop("dropped_on", None)
    project = Project.objects.get(pk=project.pk)
    current = project.stage
    if not stage or stage == current:
        return project_services.project_update(project=project, by=by, **fields, **dates)
    if stage == Stage.DROPPED:
        kept = {f: d for f, d in dates.items() if d is not None and _reached(current, f)}
        project = project_services.project_update(project=project, by=by, **fields, **kept)
        return project_services.project_advance_stage(
            project=project,
            to=Stage.DROPPED,
            on=dropped_on or project_services.today(),
            by=by,
            reason=drop_reason or project.drop_reason or IMPORT_REASON,
        )
    if current == Stage.DROPPED or PIPELINE.index(stage) < PIPELINE.index(current):
        on = dates.get(MILESTONE_FIELD[stage]) or getattr(project, MILESTONE_FIELD[stage])
        project = project_services.project_advance_stage(
            project=project, to=stage, on=on or project.registered_on, by=by, reason=IMPORT_REASON
        )
        return project_services.project_update(project=project, by=by, **fields, **dates)
    # Forward: correct what the project has reached, then step through each later milestone.
    reached_now = {f: d for f, d in dates.items() if _reached(current, f)}
    project = project_services.project_update(project=project, by=by, **fields, **reached_now)
    for step in PIPELINE[PIPELINE.index(current) + 1 : PIPELINE.index(stage) + 1]:
        on = dates.get(MILESTONE_FIELD[step])
        if on is None and step != stage:
            continue
        project = project_services.project_advance_stage(
            project=project, to=step, on=on or project_services.today(), by=by
        )
    return project


def _reached(stage: str, milestone_field: str) -> bool:
    if stage == Stage.DROPPED:
        return True
    for s, f in MILESTONE_FIELD.items():
        if f == milestone_field:
            return s in PIPELINE and PIPELINE.index(s) <= PIPELINE.index(stage)
    return False


ENTERPRISE_SNAPSHOT_KEYS = [c.key for c in planning.ENTERPRISE_COLUMNS]


def _apply_enterprise(plan: RowPlan, *, batch: ImportBatch, by, context: dict) -> None:
    if plan.action == NEW:
        enterprise = enterprise_services.enterprise_create(by=by, **plan.fields)
        _note(batch.created, enterprise)
    else:
        enterprise = Enterprise.objects.get(pk=plan.target.pk)
        snapshots = batch.updated.setdefault("enterprises.enterprise", {})
        snapshots[str(enterprise.pk)] = _snapshot(enterprise, ENTERPRISE_SNAPSHOT_KEYS)
        enterprise_services.enterprise_update(enterprise=enterprise, by=by, **plan.fields)


def _apply_funds(plan: RowPlan, *, batch: ImportBatch, by, context: dict) -> None:
    if plan.action == UPDATE:
        snapshots = batch.updated.setdefault("projects.fundsinplace", {})
        snapshots[str(plan.target.pk)] = _snapshot(plan.target, ["amount", "note"])
    record = project_services.funds_record(by=by, **plan.fields)
    if plan.action == NEW:
        _note(batch.created, record)


def _bulk_enterprises(plans: list[RowPlan], *, batch: ImportBatch, by, context: dict) -> None:
    """New enterprises in bulk through enterprise_bulk_create; updates are left to the row loop."""
    new = [p for p in plans if p.action == NEW]
    try:
        created = enterprise_services.enterprise_bulk_create(
            by=by, rows=[dict(p.fields) for p in new]
        )
    except ValidationError as exc:
        plan = new[getattr(exc, "row_index", 0)]
        for column, message in planning._messages_by_column(exc, planning.ENTERPRISE_HEADERS):
            plan.error(column, message)
        raise
    for plan, enterprise in zip(new, created, strict=True):
        _note(batch.created, enterprise)
        plan.written = True


EVENT_SNAPSHOT_KEYS = list(planning.EVENT_FIELD_KEYS)


def _apply_event(plan: RowPlan, *, batch: ImportBatch, by, context: dict) -> None:
    """The row's event (created or corrected once, on its first row), then its signing through
    events.services.signing_record, which moves the project to the signed stage."""
    key = plan.extra["event_key"]
    event = context.get(("event", key))
    if event is None:
        action = plan.extra.get("event_action")
        fields = dict(plan.extra.get("event_fields", {}))
        if action == NEW:
            event = event_services.event_create(by=by, **fields)
            _note(batch.created, event)
        elif action == UPDATE:
            event = PromotionEvent.objects.get(pk=plan.extra["event"].pk)
            snap = _snapshot(event, EVENT_SNAPSHOT_KEYS)
            snap["organisers"] = sorted(event.organisers.values_list("pk", flat=True))
            batch.updated.setdefault("events.promotionevent", {})[str(event.pk)] = snap
            event = event_services.event_update(event=event, by=by, **fields)
        else:
            event = plan.extra["event"]
        context[("event", key)] = event
    signing = plan.extra.get("signing")
    if signing:
        project = Project.objects.get(pk=signing["project"].pk)
        snapshots = batch.updated.setdefault("projects.project", {})
        if project.signed_on is None and str(project.pk) not in snapshots:
            # The signing moves the project: keep where it was, for rollback.
            snapshots[str(project.pk)] = _snapshot(project, PROJECT_SNAPSHOT_KEYS)
        record = event_services.signing_record(
            by=by, event=event, **{**signing, "project": project}
        )
        _note(batch.created, record)


def _apply_target(plan: RowPlan, *, batch: ImportBatch, by, context: dict) -> None:
    if plan.action == UPDATE:
        snapshots = batch.updated.setdefault("targets.target", {})
        snapshots[str(plan.target.pk)] = _snapshot(plan.target, planning.TARGET_VALUES)
    target = target_services.target_set(by=by, **plan.fields)
    if plan.action == NEW:
        _note(batch.created, target)


BULK_APPLIERS = {Kind.PROJECTS: _bulk_projects, Kind.ENTERPRISES: _bulk_enterprises}
APPLIERS = {
    Kind.PROJECTS: _apply_project,
    Kind.ENTERPRISES: _apply_enterprise,
    Kind.FUNDS: _apply_funds,
    Kind.EVENTS: _apply_event,
    Kind.TARGETS: _apply_target,
}


# --- rollback -------------------------------------------------------------------------------------
def _models():
    from django.apps import apps

    return apps.get_model


@transaction.atomic
def batch_rollback(*, batch: ImportBatch, by) -> ImportBatch:
    """Undo an imported batch: what it created is deleted (soft for projects and enterprises), what
    it updated gets its earlier values back, through the same services. Refused when any record
    was changed again after the import, so no later work is silently lost."""
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
    with _recording(batch, ROLLBACK_REASON):
        LedgerKey.objects.filter(pk__in=batch.ledger_keys).delete()
        # Signings first: the projects they moved are restored below.
        for pk in batch.created.get("events.signing", []):
            signing = Signing.objects.filter(pk=pk).select_related("event", "project").first()
            if signing is not None:
                event_services.signing_delete(signing=signing, by=by)
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
        for pk in batch.created.get("targets.target", []):
            target = Target.objects.filter(pk=pk).first()
            if target is not None:
                target_services.target_delete(by=by, target=target)
        for pk, snap in batch.updated.get("targets.target", {}).items():
            target = Target.objects.select_related("region").get(pk=pk)
            target_services.target_set(
                by=by, region=target.region, year=target.year, **_restore_values(Target, snap)
            )
        for pk in batch.created.get("projects.fundsinplace", []):
            record = FundsInPlace.objects.filter(pk=pk).select_related("project").first()
            if record is not None:
                project_services.funds_delete(record=record, by=by)
        for pk, snap in batch.updated.get("projects.fundsinplace", {}).items():
            record = FundsInPlace.objects.select_related("project").get(pk=pk)
            project_services.funds_record(
                project=record.project,
                month=record.month,
                amount=_restore_values(FundsInPlace, snap)["amount"],
                note=snap.get("note") or "",
                by=by,
            )
        for pk in batch.created.get("projects.project", []):
            project = Project.objects.filter(pk=pk).first()
            if project is not None:
                project_services.project_delete(project=project, by=by)
        for pk, snap in batch.updated.get("projects.project", {}).items():
            values = _restore_values(Project, snap)
            stage = values.pop("stage")
            project_apply(project=Project.objects.get(pk=pk), by=by, stage=stage, fields=values)
        for pk, snap in batch.updated.get("enterprises.enterprise", {}).items():
            enterprise_services.enterprise_update(
                enterprise=Enterprise.objects.get(pk=pk), **_restore_values(Enterprise, snap)
            )
        for pk in batch.created.get("enterprises.enterprise", []):
            enterprise = Enterprise.objects.filter(pk=pk).first()
            if enterprise is not None:
                enterprise_services.enterprise_delete(enterprise=enterprise)
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.rolled_back_by = by
    batch.save()
    return batch


def _changed_since(batch: ImportBatch, get_model) -> list[str]:
    """Objects whose latest change-history record is not one this batch wrote."""
    ours = {tuple(h) for h in batch.history}
    touched: dict[str, set[int]] = {}
    for label, ids in batch.created.items():
        touched.setdefault(label, set()).update(int(i) for i in ids)
    for label, snaps in batch.updated.items():
        touched.setdefault(label, set()).update(int(i) for i in snaps)
    changed = []
    for label, ids in touched.items():
        model = get_model(label)
        historical = model.history.model
        latest: dict[int, int] = {}
        for row in historical.objects.filter(id__in=ids).values("id", "history_id"):
            latest[row["id"]] = max(latest.get(row["id"], 0), row["history_id"])
        for obj_id, history_id in latest.items():
            if (label, history_id) not in ours:
                changed.append(f"{model._meta.verbose_name} #{obj_id}")
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
    "project_apply",
]
