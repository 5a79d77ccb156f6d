"""Every write on events: the event itself, its signings (signing_bulk_record, which moves
projects through `projects.services.project_bulk_apply` — one rule, one place, for one signing
or a ledger's), 「三个一批」 batch milestones, orders and agreements, and attachments."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import can_edit, check_can_edit_region, scope_projects
from core.attachments import attachment_remove, attachment_store
from core.changes import record_edited
from core.history import bulk_create_with_history, bulk_delete_with_history, bulk_history_options
from core.models import Attachment
from core.money import parse_amount, validate_amount
from core.textnorm import check_name_characters, pinyin_keys
from enterprises import services as enterprise_services
from projects import services as project_services
from projects.models import MILESTONE_FIELD, Currency, Project, Stage
from rollups import locks
from rollups.locks import CorrectionNote
from rollups.outbox import enqueue_refresh, project_bucket_keys, project_key

from .models import (
    AgreementKind,
    BatchMilestone,
    EventAgreement,
    EventKind,
    PromotionEvent,
    Signing,
)

EVENT_FIELDS = {
    "kind",
    "title",
    "start_on",
    "end_on",
    "place_city",
    "place_province",
    "venue",
    "leading_official",
    "notes",
}


# --- permissions ----------------------------------------------------------------------------------
def _is_city_editor(user) -> bool:
    return bool(user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF))


def can_edit_event(user, event: PromotionEvent | None = None, organisers=None) -> bool:
    """City staff edit every event; county staff edit the events their region organises."""
    if user is None:
        return True
    if not can_edit(user):
        return False
    if _is_city_editor(user):
        return True
    region_ids = (
        {getattr(r, "pk", r) for r in organisers}
        if organisers is not None
        else set(event.organisers.values_list("pk", flat=True))
        if event is not None
        else set()
    )
    return user.region_id is not None and user.region_id in region_ids


def check_can_edit_event(user, event: PromotionEvent | None = None, organisers=None) -> None:
    if not can_edit_event(user, event, organisers):
        raise PermissionDenied(_("You may only change events your region organises."))


# --- events -----------------------------------------------------------------------------------------
def _validate_event(event: PromotionEvent, organisers: Sequence) -> None:
    errors: dict[str, list[str]] = {}
    event.title = (event.title or "").strip()
    event.place_city = (event.place_city or "").strip()
    try:
        check_name_characters(event.title)
    except ValidationError as exc:
        errors["title"] = exc.messages
    if event.start_on and not event.end_on:
        event.end_on = event.start_on
    if event.start_on and event.end_on and event.end_on < event.start_on:
        errors["end_on"] = [_("The end date cannot be before the start date.")]
    if event.start_on and event.start_on.year < 1990:
        errors["start_on"] = [
            _("The date %(date)s is too far in the past.") % {"date": event.start_on}
        ]
    if not organisers:
        errors["organisers"] = [_("Choose at least one organising region.")]
    if event.kind_id and not event.kind.is_active and event._state.adding:
        errors["kind"] = [_("This kind of event is no longer in use.")]
    if errors:
        raise ValidationError(errors)
    event.title_pinyin, event.title_initials = pinyin_keys(event.title)
    event.full_clean()


def event_validate(event: PromotionEvent, organisers: Sequence) -> None:
    """The rules event_create / event_update apply, without saving (imports check rows with it)."""
    _validate_event(event, organisers)


def _visible_projects(by, projects: Iterable[Project]) -> list[Project]:
    projects = list(projects)
    if by is None or not projects:
        return projects
    visible = set(
        scope_projects(Project.objects.all(), by)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    if any(p.pk not in visible for p in projects):
        raise ValidationError({"projects_negotiated": [_("Choose projects you can see.")]})
    return projects


@transaction.atomic
def event_create(
    *,
    by,
    kind: EventKind,
    title: str,
    start_on: dt.date,
    place_city: str,
    organisers: Sequence,
    end_on: dt.date | None = None,
    place_province: str = "",
    venue: str = "",
    leading_official: str = "",
    notes: str = "",
    enterprises: Iterable = (),
    projects_negotiated: Iterable[Project] = (),
) -> PromotionEvent:
    """Record a promotion event. A one-day event may leave `end_on` empty."""
    organisers = list(organisers)
    check_can_edit_event(by, organisers=organisers)
    event = PromotionEvent(
        kind=kind,
        title=title,
        start_on=start_on,
        end_on=end_on,
        place_city=place_city,
        place_province=(place_province or "").strip(),
        venue=(venue or "").strip(),
        leading_official=(leading_official or "").strip(),
        notes=(notes or "").strip(),
        created_by=by,
    )
    _validate_event(event, organisers)
    projects = _visible_projects(by, projects_negotiated)
    event.save()
    event.organisers.set(organisers)
    event.enterprises.set(list(enterprises))
    event.projects_negotiated.set(projects)
    return event


@transaction.atomic
def event_update(*, event: PromotionEvent, by, **fields: Any) -> PromotionEvent:
    """Edit an event; the change history keeps every field's before and after."""
    unknown = set(fields) - EVENT_FIELDS - {"organisers", "enterprises", "projects_negotiated"}
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    event = PromotionEvent.objects.select_for_update().get(pk=event.pk)
    check_can_edit_event(by, event)
    organisers = fields.pop("organisers", None)
    enterprises = fields.pop("enterprises", None)
    projects = fields.pop("projects_negotiated", None)
    for key, value in fields.items():
        setattr(event, key, value)
    new_organisers = list(organisers) if organisers is not None else list(event.organisers.all())
    check_can_edit_event(by, organisers=new_organisers)
    _validate_event(event, new_organisers)
    outside = event.signings.exclude(signed_on__range=(event.start_on, event.end_on)).exists()
    if outside:
        raise ValidationError(
            {"start_on": [_("Some signings of this event fall outside the new dates.")]}
        )
    event.save()
    if organisers is not None:
        event.organisers.set(new_organisers)
    if enterprises is not None:
        event.enterprises.set(list(enterprises))
    if projects is not None:
        projects = _visible_projects(by, projects)
        keep = set(event.signings.values_list("project_id", flat=True))
        keep |= set(event.batch_milestones.values_list("project_id", flat=True))
        if by is not None:
            # Projects the editor cannot see (another county's, at a joint event) are not theirs
            # to remove: their form never showed them.
            current = event.projects_negotiated.all()
            keep |= set(current.values_list("pk", flat=True)) - set(
                scope_projects(current, by).values_list("pk", flat=True)
            )
        # A project signed or started here was negotiated here; it stays on the list.
        event.projects_negotiated.set({p.pk for p in projects} | keep)
    return event


@transaction.atomic
def event_delete(*, event: PromotionEvent, by) -> None:
    """Delete an event that has no signings, batch milestones or agreements left (an imported
    event being rolled back); the change history keeps the deleted record."""
    event = PromotionEvent.objects.select_for_update().get(pk=event.pk)
    check_can_edit_event(by, event)
    if (
        event.signings.exists()
        or event.batch_milestones.exists()
        or EventAgreement.objects.filter(event=event).exists()
    ):
        raise ValidationError(
            _("This event has signings or agreements recorded; remove them first.")
        )
    event.delete()


# --- signings ---------------------------------------------------------------------------------------
@transaction.atomic
def _correction(reason: str, by, signing_or_project, signed_on) -> CorrectionNote:
    """The note a signing's writer passes: a change to a locked month's figures is saved only as
    a correction with a reason (rollups.locks.guard)."""
    project = getattr(signing_or_project, "project", signing_or_project)
    return CorrectionNote(
        reason=reason or "",
        by=by,
        subject=_("Signing of %(project)s (%(date)s)")
        % {"project": project.name, "date": signed_on.isoformat() if signed_on else ""},
    )


@transaction.atomic
def signing_delete(
    *,
    signing: Signing,
    by,
    correction_reason: str = "",
    correction: CorrectionNote | None = None,
) -> None:
    """Remove a signing record, through signing_bulk_delete. In a locked month only with
    `correction_reason` (or a `correction` note shared by many writes)."""
    if correction is None:
        correction = _correction(correction_reason, by, signing, signing.signed_on)
    signing_bulk_delete(signings=[signing], by=by, correction=correction)


@transaction.atomic
def signing_bulk_delete(
    *, signings: Sequence[Signing], by, correction: CorrectionNote | None = None
) -> None:
    """Remove signing records (an imported batch's, being rolled back): one statement, one for
    their change history, one outbox row naming every bucket their projects count in. The
    projects' stages are not moved here: whoever undoes the signings restores the projects through
    projects.services. Each signing's event and project are expected loaded (select_related)."""
    signings = list(signings)
    if not signings:
        return
    checked_events: set[int] = set()
    for signing in signings:
        if signing.event_id is not None and signing.event_id not in checked_events:
            check_can_edit_event(by, signing.event)
            checked_events.add(signing.event_id)
        check_can_edit_region(by, signing.project.region_id)
    bulk_delete_with_history(signings, Signing, **bulk_history_options(by))
    _enqueue_signed({s.project_id: s.project for s in signings}, correction)


def _signed_keys(projects: dict[int, Project]) -> dict[int, set[str]]:
    """The outbox keys of each project whose signings changed: every bucket it counts in (the
    event dimension of the rollups changes even when the stage does not), with its funds and
    completed-investment months (one query for all)."""
    months = project_services._funds_months(list(projects))
    return {
        pk: project_bucket_keys(project, months=months[pk]) | {project_key(pk)}
        for pk, project in projects.items()
    }


def _enqueue_signed(projects: dict[int, Project], correction: CorrectionNote | None) -> None:
    enqueue_refresh(keys=set().union(*_signed_keys(projects).values()), correction=correction)


@transaction.atomic
def signing_record(
    *,
    by,
    project: Project | None,
    signed_on: dt.date | None,
    event: PromotionEvent | None = None,
    amount: Decimal | str | None = None,
    agreement_kind: str = AgreementKind.FORMAL,
    note: str = "",
    correction_reason: str = "",
    correction: CorrectionNote | None = None,
) -> Signing:
    """Record that a project was signed (at `event`, or outside any event): signing_bulk_record
    with one row (see there for the rules). `correction`: a note shared by many writes, instead
    of one made here from `correction_reason`."""
    if correction is None and project is not None:
        correction = _correction(correction_reason, by, project, signed_on)
    row = {
        "project": project,
        "signed_on": signed_on,
        "event": event,
        "amount": amount,
        "agreement_kind": agreement_kind,
        "note": note,
    }
    try:
        return signing_bulk_record(by=by, rows=[row], correction=correction)[0]
    except (ValidationError, PermissionDenied) as exc:
        if hasattr(exc, "row_index"):
            del exc.row_index
        raise


def _check_signing(
    *, by, row: dict, signed: set[tuple[int, int]], events_checked: set[int]
) -> Decimal | None:
    """The checks of one signing row that need no lock: its fields, the event's dates and whether
    the project is already signed at the event (`signed`: (event id, project id) pairs). Returns
    the amount (the project's planned investment unless given)."""
    project, signed_on, event = row.get("project"), row.get("signed_on"), row.get("event")
    agreement_kind = row.get("agreement_kind", AgreementKind.FORMAL)
    amount = row.get("amount")
    errors: dict[str, list[str]] = {}
    if project is None:
        raise ValidationError(
            {"project": [_("Choose the project that was signed, or create a new one.")]}
        )
    if signed_on is None:
        errors["signed_on"] = [_("Please give the signing date.")]
    if agreement_kind not in AgreementKind.values:
        errors["agreement_kind"] = [_("Choose the kind of agreement.")]
    if event is not None:
        if event.pk not in events_checked:
            check_can_edit_event(by, event)
            events_checked.add(event.pk)
        if signed_on and not (event.start_on <= signed_on <= event.end_on):
            errors.setdefault("signed_on", []).append(
                _("A signing at this event must fall within its dates (%(start)s – %(end)s).")
                % {"start": event.start_on, "end": event.end_on}
            )
        if (event.pk, project.pk) in signed:
            errors["project"] = [
                _("“%(project)s” is already signed at this event.") % {"project": project.name}
            ]
    if amount is None or amount == "":
        amount_value = project.planned_investment
    else:
        try:
            amount_value = parse_amount(amount)
        except ValidationError as exc:
            errors["amount"] = exc.messages
            amount_value = None
    if errors:
        raise ValidationError(errors)
    return amount_value


def _check_signed_project(*, by, project: Project, signed_on: dt.date) -> bool:
    """The checks of one signing on its project as it stands (read locked, or as earlier rows of
    the same call left it); True when the signing moves the project to the signed stage."""
    check_can_edit_region(by, project.region_id)
    if project.stage == Stage.DROPPED:
        raise ValidationError(
            {"project": [_("A dropped project cannot be signed; revive it first.")]}
        )
    if project.signed_on is None:
        return True
    if signed_on < project.signed_on:
        raise ValidationError(
            {
                "signed_on": [
                    _(
                        "“%(project)s” was signed on %(date)s; correct the project's signing date "
                        "before recording an earlier signing."
                    )
                    % {"project": project.name, "date": project.signed_on}
                ]
            }
        )
    return False


@transaction.atomic
def signing_bulk_record(
    *, by, rows: Sequence[dict], correction: CorrectionNote | None = None
) -> list[Signing]:
    """Record many signings at once (an events ledger import; signing_record is this with one
    row). Each row: project, signed_on, and optionally event, amount, agreement_kind, note.

    The rules, row by row in the rows' order (a later row sees what earlier ones did): the row's
    fields and event dates; not signed twice at an event; the project editable and not dropped.
    A project not yet signed moves to the signed stage on the row's date, through
    `projects.services.project_bulk_apply` (the ledger stage rule: the same pipeline moves as
    project_advance_stage); a project already signed is attached without moving, unless the row
    is earlier than its signing date (refused). The amount defaults to the project's planned
    investment. Reads: the existing signings at the events, the projects (locked), each one
    query; writes: the moves, the signings and their change history in bulk, one outbox row.
    A refused row raises its error with `row_index`; nothing is written. Rows that move figures
    of a locked period need `correction` (one note for them all, rollups.locks)."""
    rows = list(rows)
    if not rows:
        return []
    events = {row["event"].pk: row["event"] for row in rows if row.get("event") is not None}
    project_ids = {row["project"].pk for row in rows if row.get("project") is not None}
    signed = set(
        Signing.objects.filter(event_id__in=list(events), project_id__in=project_ids).values_list(
            "event_id", "project_id"
        )
        if events and project_ids
        else ()
    )
    amounts = []
    events_checked: set[int] = set()
    for index, row in enumerate(rows):
        try:
            amounts.append(
                _check_signing(by=by, row=row, signed=signed, events_checked=events_checked)
            )
        except (ValidationError, PermissionDenied) as exc:
            exc.row_index = index
            raise
        if row.get("event") is not None:
            signed.add((row["event"].pk, row["project"].pk))

    locked = Project.objects.select_for_update().in_bulk(list(project_ids))
    current = {pk: copy.copy(project) for pk, project in locked.items()}
    moves: list[tuple[Project, str, dict]] = []
    moved_rows: list[int] = []
    signings = []
    for index, (row, amount) in enumerate(zip(rows, amounts, strict=True)):
        project, signed_on = current[row["project"].pk], row["signed_on"]
        try:
            if _check_signed_project(by=by, project=project, signed_on=signed_on):
                moves.append((locked[project.pk], Stage.SIGNED, {"signed_on": signed_on}))
                moved_rows.append(index)
                project.signed_on, project.stage = signed_on, Stage.SIGNED
            signing = Signing(
                event=row.get("event"),
                project=locked[project.pk],
                signed_on=signed_on,
                amount=validate_amount(amount),
                agreement_kind=row.get("agreement_kind", AgreementKind.FORMAL),
                note=(row.get("note") or "").strip(),
                recorded_by=by,
            )
            # Its event, project and user are the ones just read: not looked up again.
            signing.full_clean(
                exclude=["event", "project", "recorded_by"], validate_constraints=False
            )
        except (ValidationError, PermissionDenied) as exc:
            exc.row_index = index
            raise
        signings.append(signing)
    try:
        # Forward moves only (an unsigned project is not past 洽谈 nor dropped): no reason needed.
        for project in project_services.project_bulk_apply(
            by=by, rows=moves, reason="", correction=correction
        ):
            locked[project.pk] = project
        for signing in signings:
            signing.project = locked[signing.project_id]
        signings = bulk_create_with_history(signings, Signing, **bulk_history_options(by))
        negotiated: dict[int, set[int]] = {}
        for signing in signings:
            if signing.event_id is not None:
                negotiated.setdefault(signing.event_id, set()).add(signing.project_id)
        for event_id, ids in negotiated.items():
            events[event_id].projects_negotiated.add(*ids)
        _enqueue_signed({s.project_id: s.project for s in signings}, correction)
    except (ValidationError, PermissionDenied) as exc:
        if hasattr(exc, "row_index"):
            exc.row_index = moved_rows[exc.row_index]
        elif "correction_reason" in getattr(exc, "error_dict", {}):
            _name_locked_row(exc, rows, current)
        raise
    return signings


def _name_locked_row(exc: ValidationError, rows: list[dict], projects: dict[int, Project]) -> None:
    """A refusal for locked periods names the first row that moves one (`row_index`) and the
    periods that row moves, as if the rows had been written one at a time. `projects`: as the
    rows leave them (in memory)."""
    keys = _signed_keys(projects)
    touched = locks.touched_periods_by_row([keys[row["project"].pk] for row in rows])
    index = next((i for i, periods in enumerate(touched) if periods), None)
    if index is not None:
        exc.row_index = index
        exc.locked_periods = touched[index]


@transaction.atomic
def signing_update(
    *,
    signing: Signing,
    by,
    amount: Decimal | str | None = None,
    agreement_kind: str | None = None,
    note: str | None = None,
    correction_reason: str = "",
) -> Signing:
    """Correct a signing's amount, agreement kind or note (None leaves a field as it is). The
    project, event and date are the project's milestone: they are changed on the project. In a
    locked month only with `correction_reason` (recorded as a correction)."""
    signing = Signing.objects.select_for_update().get(pk=signing.pk)
    if signing.event is not None:
        check_can_edit_event(by, signing.event)
    check_can_edit_region(by, signing.project.region_id)
    before_amount, before_kind = signing.amount, signing.agreement_kind
    errors: dict[str, list[str]] = {}
    if amount is not None and amount != "":
        try:
            signing.amount = validate_amount(parse_amount(amount))
        except ValidationError as exc:
            errors["amount"] = exc.messages
    if agreement_kind is not None:
        if agreement_kind not in AgreementKind.values:
            errors["agreement_kind"] = [_("Choose the kind of agreement.")]
        else:
            signing.agreement_kind = agreement_kind
    if note is not None:
        signing.note = (note or "").strip()
    if errors:
        raise ValidationError(errors)
    changed = {
        f
        for f, v in (("amount", before_amount), ("agreement_kind", before_kind))
        if getattr(signing, f) != v
    }
    signing.full_clean(validate_constraints=False)
    signing.save()
    correction = _correction(correction_reason, by, signing, signing.signed_on)
    if changed:  # a note moves no figure
        project_services._record_change(signing.project, correction=correction)
    record_edited(record=signing, fields=changed, by=by, correction=correction)
    return signing


@dataclass
class SigningRow:
    """One line of the "record this event's signings" form: an existing project, or a new one."""

    signed_on: dt.date | None
    amount: Decimal | str | None = None
    agreement_kind: str = AgreementKind.FORMAL
    note: str = ""
    project: Project | None = None
    new_project: dict[str, Any] = field(default_factory=dict)
    # Why the row moves a figure of a locked period (rollups.locks.guard), or "".
    correction_reason: str = ""


class SigningRowsError(ValidationError):
    """Errors of a multi-row submission, by row number; nothing was saved."""

    def __init__(self, row_errors: dict[int, dict[str, list[str]]]):
        self.row_errors = row_errors
        super().__init__(
            {
                f"row-{i}-{name}": messages
                for i, errors in row_errors.items()
                for name, messages in errors.items()
            }
        )


def _new_project_for_signing(*, by, row: SigningRow) -> Project:
    data = row.new_project
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    investor_name = (data.get("investor_name") or "").strip()
    if not name:
        errors["name"] = [_("Please enter the project name.")]
    if not investor_name:
        errors["investor_name"] = [_("Please enter the investor.")]
    if not data.get("region"):
        errors["region"] = [_("Choose the project's region.")]
    if row.amount in (None, ""):
        errors["amount"] = [_("A new project needs its investment amount.")]
    try:
        # Before matching, which drops invisible characters and would match it instead.
        check_name_characters(investor_name)
    except ValidationError as exc:
        errors.setdefault("investor_name", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    matches = enterprise_services.find_investor_matches(name=investor_name)
    investor = next((e for e, how in matches if how in ("credit_code", "name")), None)
    if investor is None:
        investor = enterprise_services.enterprise_create(name=investor_name)
    try:
        amount = parse_amount(row.amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.messages}) from exc
    # project_create runs the 首报首谈 check (projects.services.claims_register).
    return project_services.project_create(
        by=by,
        name=name,
        investor=investor,
        region=data["region"],
        chain=data.get("chain"),
        method=data.get("method"),
        planned_investment=amount,
        registered_on=row.signed_on,
        correction_reason=row.correction_reason,
    )


@transaction.atomic
def event_signings_record(
    *, event: PromotionEvent, by, rows: Sequence[SigningRow]
) -> list[Signing]:
    """Record an event's signings in one go: all rows or none. A row names an existing project or
    the fields of a new one (created through `project_create`, then signed like any other)."""
    check_can_edit_event(by, event)
    if not rows:
        raise ValidationError(_("Enter at least one signing."))
    row_errors: dict[int, dict[str, list[str]]] = {}
    signings: list[Signing] = []
    for i, row in enumerate(rows):
        try:
            with transaction.atomic():
                project = row.project
                if project is None and row.new_project:
                    if row.signed_on is None:
                        raise ValidationError({"signed_on": [_("Please give the signing date.")]})
                    project = _new_project_for_signing(by=by, row=row)
                    amount = None  # the planned investment just entered
                else:
                    amount = row.amount
                signings.append(
                    signing_record(
                        by=by,
                        project=project,
                        signed_on=row.signed_on,
                        event=event,
                        amount=amount,
                        agreement_kind=row.agreement_kind,
                        note=row.note,
                        correction_reason=row.correction_reason,
                    )
                )
        except ValidationError as exc:
            row_errors[i] = (
                exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            )
    if row_errors:
        raise SigningRowsError(row_errors)
    return signings


# --- 「三个一批」 batches -----------------------------------------------------------------------------
@transaction.atomic
def event_batch_record(
    *,
    event: PromotionEvent,
    by,
    milestone: str,
    projects: Iterable[Project],
    on: dt.date | None = None,
    correction_reason: str = "",
) -> list[BatchMilestone]:
    """Record the projects started (集中开工) or put into production (集中投产) at a 「三个一批」
    ceremony. Each project moves through `project_advance_stage`; one that already reached the
    milestone on that date is attached as it is. Recording the same project twice changes nothing.
    In a locked month only with `correction_reason` (one correction per project)."""
    check_can_edit_event(by, event)
    if not event.kind.is_batch:
        raise ValidationError(
            _("Only a batch ceremony (三个一批) records projects started or producing.")
        )
    if milestone not in BatchMilestone.Milestone.values:
        raise ValidationError({"milestone": [_("Choose started or producing.")]})
    on = on or event.start_on
    if not (event.start_on <= on <= event.end_on):
        raise ValidationError({"on": [_("The date must fall within the event's dates.")]})
    date_field = MILESTONE_FIELD[milestone]
    records = []
    for project in projects:
        existing = BatchMilestone.objects.filter(
            event=event, project=project, milestone=milestone
        ).first()
        if existing:
            records.append(existing)
            continue
        project = Project.objects.select_for_update().get(pk=project.pk)
        check_can_edit_region(by, project.region)
        correction = CorrectionNote(reason=correction_reason or "", by=by, subject=project.name)
        reached_on = getattr(project, date_field)
        if reached_on is None:
            project = project_services.project_advance_stage(
                project=project, to=milestone, on=on, by=by, correction=correction
            )
        elif reached_on != on:
            raise ValidationError(
                _("“%(project)s” already reached this milestone on %(date)s.")
                % {"project": project.name, "date": reached_on}
            )
        record = BatchMilestone(
            event=event, project=project, milestone=milestone, on=on, recorded_by=by
        )
        record.full_clean(validate_constraints=False)
        record.save()
        event.projects_negotiated.add(project)
        project_services._record_change(project, correction=correction)
        records.append(record)
    return records


# --- orders and agreements that are not projects ----------------------------------------------------
@transaction.atomic
def agreement_record(
    *,
    event: PromotionEvent,
    by,
    kind: str,
    description: str,
    signed_on: dt.date | None = None,
    currency: str = Currency.CNY,
    original_amount: Decimal | str | None = None,
    exchange_rate: Decimal | str | None = None,
    rate_date: dt.date | None = None,
    quantity: int = 1,
    counterparty: str = "",
) -> EventAgreement:
    """Record orders or agreements (e.g. 6000万美元 of export orders at the Canton Fair). The CNY
    equivalent (万元) is computed once, here, from the original figure and the rate."""
    check_can_edit_event(by, event)
    errors: dict[str, list[str]] = {}
    signed_on = signed_on or event.start_on
    if not (event.start_on <= signed_on <= event.end_on):
        errors["signed_on"] = [_("The date must fall within the event's dates.")]
    original = None
    if original_amount not in (None, ""):
        try:
            original = parse_amount(original_amount)
        except ValidationError as exc:
            errors["original_amount"] = exc.messages
    rate = None
    amount_cny = None
    if currency == Currency.CNY:
        amount_cny = original
        if exchange_rate not in (None, ""):
            rate = Decimal(1)
    else:
        if original is not None:
            if exchange_rate in (None, "") or rate_date is None:
                errors["exchange_rate"] = [
                    _("A foreign-currency amount needs the rate and the rate's date.")
                ]
            else:
                try:
                    rate = Decimal(str(exchange_rate))
                except ArithmeticError:
                    rate = None
                if rate is None or not rate.is_finite() or rate <= 0:
                    errors["exchange_rate"] = [_("The exchange rate must be greater than zero.")]
                else:
                    try:
                        amount_cny = validate_amount(
                            (original * rate).quantize(Decimal("0.000001"))
                        )
                    except ValidationError as exc:
                        errors["original_amount"] = exc.messages
    if errors:
        raise ValidationError(errors)
    agreement = EventAgreement(
        event=event,
        kind=kind,
        description=(description or "").strip(),
        counterparty=(counterparty or "").strip(),
        quantity=quantity,
        signed_on=signed_on,
        currency=currency,
        original_amount=original,
        exchange_rate=rate,
        rate_date=rate_date,
        amount_cny=amount_cny,
        recorded_by=by,
    )
    agreement.full_clean()
    agreement.save()
    return agreement


# --- attachments ------------------------------------------------------------------------------------
@transaction.atomic
def attachment_add(
    *, event: PromotionEvent, by, file: UploadedFile | None, description: str = ""
) -> Attachment:
    """Attach a photo or document to an event: the organisers' rule decides who may, then the one
    attachment path (core.attachments) checks the content, the size and stores it privately."""
    check_can_edit_event(by, event)
    if file is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    try:
        return attachment_store(record=event, upload=file, by=by, description=description)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by) -> None:
    """Remove an event's attachment (organisers only); the file goes once the deletion commits."""
    event = attachment.record
    if not isinstance(event, PromotionEvent):
        raise PermissionDenied(_("You may only change events your region organises."))
    check_can_edit_event(by, event)
    attachment_remove(attachment=attachment)
