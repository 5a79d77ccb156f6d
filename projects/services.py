"""Every write on projects, with DESIGN.md's pipeline and money rules. Pages, API, imports, events
and the admin's actions all come through here."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import check_can_edit, check_can_edit_region
from core.changes import record_edited
from core.history import (
    bulk_create_with_history,
    bulk_delete_with_history,
    bulk_history_options,
    bulk_update_with_history,
)
from core.money import parse_amount, validate_amount
from core.textnorm import check_name_characters, pinyin_keys
from enterprises import services as enterprise_services
from enterprises.models import Enterprise, EnterpriseContact, IndustrialPark
from rollups.outbox import (
    CorrectionNote,
    ProjectBuckets,
    cell_key,
    changed_bucket_keys,
    enqueue_refresh,
    project_bucket_keys,
    project_buckets,
    project_key,
    with_verified,
)

from .models import (
    MILESTONE_FIELD,
    ORDERED_MILESTONES,
    PIPELINE,
    PLANNED_FIELDS,
    PROMISE_FIELD,
    ClaimConflict,
    CompletedInvestment,
    Currency,
    FollowUp,
    FundsInPlace,
    Project,
    Stage,
    StageChange,
)
from .selectors import owner_candidates

PLANNED_HORIZON_YEARS = 10
EDITABLE_FIELDS = {
    "name",
    "investor",
    "region",
    "park",
    "chain",
    "chain_link",
    "method",
    "owner",
    "planned_investment",
    "fixed_asset_investment",
    "currency",
    "original_amount",
    "exchange_rate",
    "rate_date",
    "expected_annual_output",
    "expected_annual_tax",
    "expected_jobs",
    "registered_on",
    "negotiating_on",
    "signed_on",
    "started_on",
    "producing_on",
    "at_capacity_on",
    "planned_sign_on",
    "planned_start_on",
    "planned_production_on",
    "is_out_of_province",
    "is_foreign",
    "is_confidential",
    "notes",
}
MONEY_FIELDS = [
    "planned_investment",
    "fixed_asset_investment",
    "expected_annual_output",
    "expected_annual_tax",
]
# Stages whose milestone date must be present once a project has reached or passed them. Negotiation
# may be skipped (a lead can be signed straight away at an event), registration never.
REQUIRED_WHEN_REACHED = [Stage.SIGNED, Stage.STARTED, Stage.PRODUCING, Stage.AT_CAPACITY]


def today() -> dt.date:
    return timezone.localdate()


# --- validation ---------------------------------------------------------------------------------
def validate_project(
    project: Project,
    *,
    db_constraints: bool = False,
    relations_loaded: bool = False,
    day: dt.date | None = None,
) -> None:
    """All rules a project must satisfy whatever wrote it. Raises ValidationError keyed by field.

    The table's CheckConstraints (milestone order, non-negative amounts, dropped date) are checked
    here in Python with a clear message each, and PostgreSQL enforces them again on write. Django's
    own constraint validation would re-run each of the 24 as one `SELECT` per save (a third of a
    save's queries), so it is off unless `db_constraints=True` asks for it (a property test proves
    the Python rules and the constraints agree). `relations_loaded=True` says every foreign key was
    set from an object the caller loaded from the database, so their existence is not re-queried
    one row at a time. Imports check thousands of rows this way (the database still enforces
    both at the write). `day`: today's date, when the caller checks many rows and has it
    already."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    derive_checked_columns(project)
    if not project.name:
        add("name", _("Please enter the project name."))
    try:
        check_name_characters(project.name)
    except ValidationError as exc:
        errors.setdefault("name", []).extend(exc.messages)

    for field in MONEY_FIELDS:
        value = getattr(project, field)
        if value is None:
            if field == "planned_investment":
                add(field, _("Please enter the planned investment."))
            continue
        try:
            setattr(project, field, validate_amount(value))
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    if project.currency != Currency.CNY:
        missing = [
            f
            for f in ("original_amount", "exchange_rate", "rate_date")
            if getattr(project, f) is None
        ]
        for field in missing:
            add(
                field,
                _(
                    "A foreign-currency project needs the original amount, the rate and the rate's date."
                ),
            )
        if project.exchange_rate is not None and project.exchange_rate <= 0:
            add("exchange_rate", _("The exchange rate must be greater than zero."))

    now = day or today()
    for field in [*ORDERED_MILESTONES, "dropped_on"]:
        value = getattr(project, field)
        if value and value > now:
            add(
                field,
                _(
                    "A milestone that has happened cannot be after today (%(today)s); "
                    "the date entered is %(date)s."
                )
                % {"today": now.isoformat(), "date": value.isoformat()},
            )
        if value and value.year < 1990:
            add(field, _("The date %(date)s is too far in the past.") % {"date": value})
    horizon = (
        now.replace(year=now.year + PLANNED_HORIZON_YEARS)
        if not (now.month == 2 and now.day == 29)
        else now.replace(day=28, year=now.year + PLANNED_HORIZON_YEARS)
    )
    for field in PLANNED_FIELDS:
        value = getattr(project, field)
        if value and value > horizon:
            add(
                field,
                _("A planned date more than %(n)d years ahead is not credible.")
                % {"n": PLANNED_HORIZON_YEARS},
            )
        if value and value.year < 1990:
            add(field, _("The date %(date)s is too far in the past.") % {"date": value})

    # 补录 (late_entry, derive_checked_columns): the registration date may follow the signing;
    # the other milestones still run in order among themselves.
    ordered = ORDERED_MILESTONES[1:] if project.late_entry else ORDERED_MILESTONES
    dated = [(f, getattr(project, f)) for f in ordered if getattr(project, f)]
    for (earlier, d1), (later, d2) in zip(dated, dated[1:], strict=False):
        if d2 < d1:
            add(
                later,
                _(
                    "%(later)s (%(d2)s) cannot be before %(earlier)s (%(d1)s): dates never run backwards."
                )
                % {"later": _label(later), "d2": d2, "earlier": _label(earlier), "d1": d1},
            )

    if project.stage == Stage.DROPPED:
        if not project.dropped_on:
            add("dropped_on", _("A dropped project needs the date it was dropped."))
        if not project.drop_reason.strip():
            add("drop_reason", _("Please give the reason for dropping the project."))
        reached = _last_reached_stage(project)
    else:
        reached = project.stage
        if project.dropped_on:
            add("dropped_on", _("Only a dropped project has a dropped date."))
        # Dates of stages the project has not reached yet must be empty.
        for stage in PIPELINE[PIPELINE.index(project.stage) + 1 :]:
            field = MILESTONE_FIELD[stage]
            if getattr(project, field):
                add(
                    field,
                    _(
                        "The project has not reached the stage “%(stage)s”, so it cannot have this date."
                    )
                    % {"stage": Stage(stage).label},
                )
    if reached in PIPELINE:
        for stage in REQUIRED_WHEN_REACHED:
            if PIPELINE.index(stage) <= PIPELINE.index(reached) and not getattr(
                project, MILESTONE_FIELD[stage]
            ):
                add(
                    MILESTONE_FIELD[stage],
                    _("The stage “%(stage)s” needs its date.") % {"stage": Stage(stage).label},
                )

    if (
        project.chain_link_id
        and project.chain_id
        and project.chain_link.chain_id != project.chain_id
    ):
        add("chain_link", _("The chain link does not belong to the chosen industry chain."))
    if project.park_id and project.region_id and project.park.region_id != project.region_id:
        add("park", _("The park is not in the project's region."))

    if errors:
        raise ValidationError(errors)
    exclude = ["investor", "co_investors"] if not project.investor_id else []
    if relations_loaded:
        exclude += _RELATIONS
    project.full_clean(
        exclude=exclude or None,
        # The only unique field a caller sets is the form's creation token.
        validate_unique=not relations_loaded or project.creation_token is not None,
        validate_constraints=db_constraints,
    )


_RELATIONS = [f.name for f in Project._meta.concrete_fields if f.is_relation]


def derive_checked_columns(project: Project) -> None:
    """The columns validate_project derives as it checks: the name without surrounding spaces,
    and 补录 (`late_entry`): a project first reported after it was signed keeps its real
    registration date, later than its signing. The bulk writers call this alone for rows their
    caller already checked with validate_project (`checked=True`), so a row is written as the
    check left it."""
    project.name = (project.name or "").strip()
    project.late_entry = bool(
        project.signed_on and project.registered_on and project.signed_on < project.registered_on
    )


def _all_loaded(fields: dict) -> bool:
    """Whether every related object among `fields` is None or was read from the database."""
    return all(
        value is None or getattr(getattr(value, "_state", None), "adding", True) is False
        for name, value in fields.items()
        if name in _RELATIONS
    )


def _label(field: str) -> str:
    return str(Project._meta.get_field(field).verbose_name)


def _last_reached_stage(project: Project) -> str:
    for stage in reversed(PIPELINE):
        if getattr(project, MILESTONE_FIELD[stage]):
            return stage
    return Stage.LEAD


def _derive_search_keys(project: Project) -> None:
    """The name's pinyin and initials, for global search (search.selectors), on every write."""
    project.name_pinyin, project.name_initials = pinyin_keys(project.name)


def _apply_currency(project: Project) -> None:
    """Compute the CNY equivalent once, at entry: original (万 of currency) × rate."""
    if (
        project.currency != Currency.CNY
        and project.original_amount is not None
        and project.exchange_rate
    ):
        project.planned_investment = (project.original_amount * project.exchange_rate).quantize(
            Decimal("0.000001")
        )


# What a project's light is judged on (lights.services): its stage, the milestone dates, the dates
# the county promised, and what a rule narrows by.
LIGHT_INPUTS = (
    "stage",
    "region_id",
    "chain_id",
    "planned_investment",
    "is_deleted",
    *MILESTONE_FIELD.values(),
    *PROMISE_FIELD.values(),
)


def _record_change(
    project: Project,
    *,
    before: set[str] | frozenset[str] | ProjectBuckets = frozenset(),
    correction: CorrectionNote | None = None,
    monthly_rows_untouched: bool = False,
) -> None:
    """Work that follows any change to a project: an outbox row (in this transaction) naming the
    rollup buckets the project counted in `before` the change and counts in now, so the refresh
    recomputes both the buckets it left and those it entered. With a snapshot taken before the
    change (project_buckets), only the buckets whose figures the change can have moved: an edit
    of the amount leaves the funds cells alone, an edit of the notes touches nothing."""
    # The project's 亮灯 is recomputed by the same drain (lights registers a drain listener),
    # when a field it is judged on changed.
    if isinstance(before, ProjectBuckets):
        # `monthly_rows_untouched`: the change wrote no funds or completed-investment row, so the
        # months read before it still hold (one query fewer).
        months = before.months if monthly_rows_untouched else None
        keys = changed_bucket_keys(before, project, months=months)
        if any(before.values.get(f) != getattr(project, f) for f in LIGHT_INPUTS):
            keys.add(project_key(project.pk))
        enqueue_refresh(keys=keys, correction=correction)
    else:
        enqueue_refresh(
            keys=set(before) | project_bucket_keys(project) | {project_key(project.pk)},
            correction=correction,
        )


# --- create / update ------------------------------------------------------------------------------
@transaction.atomic
def project_create(
    *,
    by,
    token: uuid.UUID | None = None,
    stage: str = Stage.LEAD,
    correction_reason: str = "",
    **fields: Any,
) -> Project:
    """Create a project. With `token` (the form's one-time token) a repeated submit returns the
    project the first submit created instead of a second one. A project dated into a locked
    period needs `correction_reason` (rollups.locks), as an edit does."""
    unknown = set(fields) - EDITABLE_FIELDS - {"co_investors", "dropped_on", "drop_reason"}
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    if token is not None:
        existing = Project.all_objects.filter(creation_token=token).first()
        if existing is not None:
            return existing
    co_investors = fields.pop("co_investors", None)
    check_can_edit_region(by, fields.get("region"))
    fields.setdefault("registered_on", today())
    if by is not None and "owner" not in fields:
        fields["owner"] = by
    project = Project(stage=stage, creation_token=token, **fields)
    _apply_currency(project)
    _derive_search_keys(project)
    validate_project(project)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:
        if token is not None and Project.all_objects.filter(creation_token=token).exists():
            return Project.all_objects.get(creation_token=token)
        raise
    if co_investors:
        project.co_investors.set(co_investors)
    StageChange.objects.create(
        project=project,
        from_stage="",
        to_stage=stage,
        on=_milestone_date(project, stage),
        changed_by=by,
    )
    _record_change(
        project, correction=CorrectionNote(reason=correction_reason, by=by, subject=project.name)
    )
    claims_register(projects=[project])
    return project


def new_project(
    *,
    by,
    row: dict,
    day: dt.date | None = None,
    search_keys: dict[str, tuple[str, str]] | None = None,
) -> Project:
    """The unsaved project project_bulk_create writes for one row (project_create's keyword
    arguments, `stage` included): defaults, owner and CNY equivalent filled in, not validated.
    The import's preview checks this very object, so it shows what the import will write.

    `search_keys`: the caller's name -> (pinyin, initials) of the names it has met, filled in
    here for a name it lacks (pinyin is most of a row's cost; a dict that lives as long as the
    caller's call, so a name repeated in one ledger is converted once)."""
    fields = dict(row)
    stage = fields.pop("stage", None) or Stage.LEAD
    unknown = set(fields) - EDITABLE_FIELDS - {"dropped_on", "drop_reason"}
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    if "registered_on" not in fields:
        fields["registered_on"] = day or today()
    if by is not None and "owner" not in fields:
        fields["owner"] = by
    project = Project(stage=stage, **fields)
    _apply_currency(project)
    if search_keys is None:
        _derive_search_keys(project)
    else:
        keys = search_keys.get(project.name)
        if keys is None:
            keys = search_keys[project.name] = pinyin_keys(project.name)
        project.name_pinyin, project.name_initials = keys
    return project


def new_project_keys(project: Project) -> set[str]:
    """The outbox keys a new project (project_bulk_create's) names: every bucket it counts in."""
    return project_bucket_keys(project, with_funds=False) | {project_key(project.pk)}


@transaction.atomic
def project_bulk_create(
    *,
    by,
    rows: list[dict],
    batch_size: int = 2000,
    correction: CorrectionNote | None = None,
    checked: bool = False,
    search_keys: dict[str, tuple[str, str]] | None = None,
) -> list[Project]:
    """Create many projects at once (ledger imports): the same rules as project_create, row by
    row, then one `bulk_create` of the projects and one INSERT … SELECT of their change history
    (core.history's `bulk_create_with_history`), one of their first StageChange and one rollup
    outbox row naming every bucket they count in; `batch_size` is no longer used.

    Each row is project_create's keyword arguments (`stage` included). Foreign keys must be
    objects loaded from the database (their existence is not re-queried per row). A row that
    breaks a rule raises its ValidationError with `row_index` set to its position in `rows`;
    nothing is written then. Rows dated into a locked period need `correction` (one note for the
    whole batch, rollups.locks), as project_create needs its reason.

    `checked=True`: the caller has run validate_project on each row as new_project builds it
    (a ledger import's preview did, and nothing it read has changed since), so the rules are not
    run a second time; the columns the check derives are (derive_checked_columns), and the
    region permission is still checked. `search_keys`: names' pinyin keys the caller already has
    (new_project); either way each distinct name is converted once per call."""
    projects = []
    checked_regions: set = set()
    day = today()
    search_keys = {} if search_keys is None else search_keys
    for index, row in enumerate(rows):
        region = row.get("region")
        region_key = getattr(region, "pk", region)
        if region_key not in checked_regions:
            check_can_edit_region(by, region)
            checked_regions.add(region_key)
        project = new_project(by=by, row=row, day=day, search_keys=search_keys)
        if checked:
            derive_checked_columns(project)
        else:
            try:
                validate_project(project, relations_loaded=True, day=day)
            except ValidationError as exc:
                exc.row_index = index
                raise
        projects.append(project)
    if not projects:
        return []
    bulk_create_with_history(projects, Project, **bulk_history_options(by))
    StageChange.objects.bulk_create(
        StageChange(
            project=p,
            from_stage="",
            to_stage=p.stage,
            on=_milestone_date(p, p.stage),
            changed_by=by,
        )
        for p in projects
    )
    keys: set[str] = set()
    for p in projects:
        keys |= new_project_keys(p)  # new: no funds months yet
    enqueue_refresh(keys=keys, correction=correction)
    claims_register(projects=projects)
    return projects


def _milestone_date(project: Project, stage: str) -> dt.date:
    return getattr(project, MILESTONE_FIELD[stage]) or project.registered_on


def _changed_columns(project: Project, stored: dict) -> list[str]:
    return [
        f.name
        for f in Project._meta.concrete_fields
        if not f.primary_key and getattr(project, f.attname) != stored[f.attname]
    ]


@transaction.atomic
def project_update(*, project: Project, by, correction_reason: str = "", **fields: Any) -> Project:
    """Edit fields (not the stage: that is project_advance_stage). Corrections to milestone dates are
    allowed but obey the same rules; the change history records every field's before and after.
    An edit that moves a figure of a locked period needs `correction_reason` (rollups.locks)."""
    unknown = set(fields) - EDITABLE_FIELDS - {"co_investors"}
    if unknown:
        raise TypeError(f"unknown or read-only project fields: {sorted(unknown)}")
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_can_edit_region(by, project.region_id)
    # An edit writes no funds or completed-investment row: their months are read only if it
    # moves their cells (another region, chain, …).
    before = project_buckets(project, months_when_needed=True)
    claimed_as = (project.investor_id, project.region_id)
    co_investors = fields.pop("co_investors", None)
    old_owner_id = project.owner_id
    for key, value in fields.items():
        setattr(project, key, value)
    check_can_edit_region(by, project.region_id)  # a county may not move a project out of reach
    _apply_currency(project)
    _derive_search_keys(project)
    if (
        project.owner_id is not None
        and (project.owner_id != old_owner_id or "region" in fields)
        and not owner_candidates(region=project.region_id).filter(pk=project.owner_id).exists()
    ):
        raise ValidationError(
            {
                "owner": _(
                    "The owner must be someone who may edit this project: city staff or the "
                    "staff of its region."
                )
            }
        )
    # A related object the caller passes was read from the database (a form's or serializer's
    # choice) and the unchanged ones were stored: their existence is not queried again one by one
    # (the foreign keys still enforce it at the write).
    validate_project(project, relations_loaded=_all_loaded(fields))
    # The row is locked and read above: only the columns that changed are written, and the
    # change's history record is copied from the row as written (core.history: one UPDATE and one
    # INSERT … SELECT, as the bulk writers do, with the request's user and IP), instead of a
    # historical instance built field by field in Python by simple-history's post_save.
    columns = [*_changed_columns(project, before.values), "updated_at"]
    project.updated_at = timezone.now()  # `auto_now`, as save() sets it
    bulk_update_with_history([project], Project, columns, **bulk_history_options(by))
    if co_investors is not None:
        project.co_investors.set(co_investors)
    correction = CorrectionNote(reason=correction_reason, by=by, subject=project.name)
    _record_change(project, before=before, correction=correction, monthly_rows_untouched=True)
    record_edited(
        record=project,
        fields={f for f, v in before.values.items() if getattr(project, f) != v},
        by=by,
        correction=correction,
    )
    if (project.investor_id, project.region_id) != claimed_as:
        claims_register(projects=[project])  # another investor, or another county: check again
    return project


@transaction.atomic
def project_advance_stage(
    *,
    project: Project,
    to: str,
    on: dt.date,
    by,
    reason: str = "",
    correction: CorrectionNote | None = None,
) -> Project:
    """Move a project along the pipeline (or back, with a reason), enforcing DESIGN.md's rules and
    recording the change.

    Forward: the target stage's date is set to `on`; stages passed over must already have their dates
    (a lead may go straight to signed, skipping negotiation). Back: a reason is required and the dates
    of the stages left behind are cleared. Dropped: from any stage, with a reason; reviving a dropped
    project returns it to the last stage it had reached.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_can_edit_region(by, project.region_id)
    before = project_buckets(project)
    if to not in Stage.values:
        raise ValidationError({"stage": _("Unknown stage “%(stage)s”.") % {"stage": to}})
    change = _move_stage(project, to=to, on=on, reason=reason)
    validate_project(project)
    project.save()
    change.changed_by = by
    change.save()
    _record_change(project, before=before, correction=correction, monthly_rows_untouched=True)
    return project


def _move_stage(project: Project, *, to: str, on: dt.date | None, reason: str) -> StageChange:
    """Move `project` (in memory) to stage `to` reached `on`, by DESIGN.md's pipeline rules, and
    return the unsaved StageChange that records it. Raises ValidationError on a move the rules
    refuse. project_advance_stage and project_bulk_apply both move stages through here."""
    reason = (reason or "").strip()
    if on is None:
        raise ValidationError({MILESTONE_FIELD[to]: _("Please give the date of this milestone.")})
    from_stage = project.stage
    if to == from_stage:
        raise ValidationError({"stage": _("The project is already at this stage.")})

    backward = False
    if to == Stage.DROPPED:
        if not reason:
            raise ValidationError(
                {"drop_reason": _("Please give the reason for dropping the project.")}
            )
        project.stage = Stage.DROPPED
        project.dropped_on = on
        project.drop_reason = reason
    elif from_stage == Stage.DROPPED:
        # Revival: back into the pipeline at the stage it had reached (or earlier, clearing dates).
        if not reason:
            raise ValidationError({"reason": _("Please give the reason for reviving the project.")})
        reached = _last_reached_stage(project)
        if PIPELINE.index(to) > PIPELINE.index(reached):
            raise ValidationError(
                {
                    "stage": _(
                        "A revived project returns to the stage it had reached (%(stage)s) first."
                    )
                    % {"stage": Stage(reached).label}
                }
            )
        for stage in PIPELINE[PIPELINE.index(to) + 1 :]:
            setattr(project, MILESTONE_FIELD[stage], None)
        project.stage = to
        project.dropped_on = None
        project.drop_reason = ""
        backward = True
    else:
        i_from, i_to = PIPELINE.index(from_stage), PIPELINE.index(to)
        if i_to > i_from:
            for stage in PIPELINE[i_from + 1 : i_to]:
                if stage in REQUIRED_WHEN_REACHED and not getattr(project, MILESTONE_FIELD[stage]):
                    raise ValidationError(
                        {
                            MILESTONE_FIELD[stage]: _(
                                "Cannot skip “%(stage)s”: record its date first (stages are reached in order)."
                            )
                            % {"stage": Stage(stage).label}
                        }
                    )
            setattr(project, MILESTONE_FIELD[to], on)
        else:
            if not reason:
                raise ValidationError({"reason": _("Moving a project back needs a reason.")})
            for stage in PIPELINE[i_to + 1 :]:
                setattr(project, MILESTONE_FIELD[stage], None)
            backward = True
        project.stage = to
    return StageChange(
        project=project,
        from_stage=from_stage,
        to_stage=to,
        on=on,
        reason=reason,
        is_backward=backward,
    )


_SLICE = 10_000  # ids per `IN (…)` lookup: under SQLite's 32,766 parameters
# Columns a row can change besides its own fields: its stage move's, and the derived ones
# (late_entry by validate_project, the CNY amount by _apply_currency).
_STAGE_FIELDS = {
    "stage",
    "dropped_on",
    "drop_reason",
    "late_entry",
    "planned_investment",
    *MILESTONE_FIELD.values(),
}
_ATTNAMES = {f.name: f.attname for f in Project._meta.concrete_fields}


@transaction.atomic
def project_bulk_apply(
    *,
    by,
    rows: list[tuple[Project, str | None, dict]],
    reason: str,
    correction: CorrectionNote | None = None,
    checked: bool = False,
) -> list[Project]:
    """Bring many existing projects to new states at once (ledger imports and their rollback).
    Each row is (project, stage or None, fields): the fields as project_update takes them, and
    the stage reached through every milestone in between as project_advance_stage would move it
    (`_ledger_moves`), with `reason` on the moves that need one. The same rules as those two
    services, row by row in memory; then the projects and their change history in bulk
    (core.history's `bulk_update_with_history`: one UPDATE … FROM (VALUES …) and one
    INSERT … SELECT of the history records per 2,000 projects), one insert of their StageChanges, one outbox
    row naming every bucket they left or entered, and one 首报首谈 check of those whose investor
    or region changed. Foreign keys in `fields` must be objects loaded from the database. A row
    that breaks a rule raises its ValidationError with `row_index` set; nothing is written.
    Rows that move figures of a locked period need `correction` (one note for the whole batch,
    rollups.locks), as project_update needs its reason.

    `checked=True`: project_bulk_apply_preview passed these rows on these projects as they are now
    (a ledger import's preview, whose caller knows no project changed since), and the given
    projects were read locked in the caller's transaction: they are not read again (copies of
    them are moved and written; the given ones are left as they were), and validate_project is
    not run a second time; each row is still moved by the same rules, which refuse as before,
    and gets the columns the check derives."""
    if not rows:
        return []
    applied = _bulk_apply_in_memory(
        by=by, rows=rows, reason=reason, for_update=True, checked=checked
    )
    projects, claimed_as = applied.projects, applied.claimed_as
    moves, written = applied.moves, applied.written
    if "name" in written:
        written |= {"name_pinyin", "name_initials"}
    now = timezone.now()
    for project in projects:
        project.updated_at = now
    bulk_update_with_history(
        projects,
        Project,
        sorted(written),
        **bulk_history_options(by),
    )
    for move in moves:
        move.changed_by = by
    StageChange.objects.bulk_create(moves)
    keys: set[str] = set().union(*applied.row_keys)
    enqueue_refresh(keys=keys, correction=correction)
    claimants = [p for p in projects if (p.investor_id, p.region_id) != claimed_as[p.pk]]
    # Given projects (`checked`) come without their investor: one query for those it needs.
    prefetch_related_objects(
        [p for p in claimants if not Project.investor.is_cached(p)], "investor"
    )
    claims_register(projects=claimants)
    return projects


def project_bulk_apply_preview(
    *, by, rows: list[tuple[Project, str | None, dict]], reason: str
) -> list[tuple[Project, set[str]] | ValidationError | PermissionDenied]:
    """What project_bulk_apply would do with each row, writing nothing: the project as it would
    write it (a moved copy) and the outbox keys it would name (the buckets the project leaves or
    enters), or the error it would raise for that row. A ledger import's preview takes each
    updated row's verdict, changes and keys from this, once. The given projects are taken as
    they are (the caller has just read them, with their park and chain link) and not changed."""
    if not rows:
        return []
    applied = _bulk_apply_in_memory(by=by, rows=rows, reason=reason, for_update=False, collect=True)
    return [
        keys if isinstance(keys, Exception) else (project, keys)
        for project, keys in zip(applied.projects, applied.row_keys, strict=True)
    ]


@dataclass
class _Applied:
    projects: list[Project]
    originals: dict[int, Project]
    claimed_as: dict[int, tuple]
    moves: list[StageChange]
    written: set[str]
    row_keys: list  # per row: its keys (a set), or with `collect` the error it raised


def _bulk_apply_in_memory(
    *,
    by,
    rows: list[tuple[Project, str | None, dict]],
    reason: str,
    for_update: bool,
    checked: bool = False,
    collect: bool = False,
) -> _Applied:
    """project_bulk_apply's rules, row by row, and the keys each row names; nothing is written
    (the projects are read again, locked, unless `checked` or not `for_update`: then the
    caller's are used as they are, unchanged). A refused row raises (with `row_index`), or with `collect` its
    error stands in its keys' place and the other rows go on. `checked`: see
    project_bulk_apply."""
    if for_update and not checked:
        ids = [given.pk for given, _stage, _fields in rows]
        locked: dict[int, Project] = {}
        for start in range(0, len(ids), _SLICE):
            locked.update(
                Project.objects.select_for_update(of=("self",))
                .select_related("investor", "park", "chain_link")
                .filter(pk__in=ids[start : start + _SLICE])
                .in_bulk()
            )
        projects = [locked[pk] for pk in ids]
        originals = {p.pk: copy.copy(p) for p in projects}
    else:
        # The caller's projects, read just before (locked, with `checked`): moved as copies.
        originals = {given.pk: given for given, _stage, _fields in rows}
        if not checked:  # validate_project reads their park and chain link
            for name in ("park", "chain_link"):
                descriptor = getattr(Project, name)
                prefetch_related_objects(
                    [p for p in originals.values() if not descriptor.is_cached(p)], name
                )
        projects = [copy.copy(given) for given, _stage, _fields in rows]
    claimed_as = {p.pk: (p.investor_id, p.region_id) for p in projects}
    day = today()
    moves: list[StageChange] = []
    written = {"updated_at"}
    refused: dict[int, Exception] = {}
    stages = set(Stage.values)
    for index, (project, (_given, stage, fields)) in enumerate(zip(projects, rows, strict=True)):
        unknown = (set(fields) - EDITABLE_FIELDS - {"dropped_on", "drop_reason"}) | (
            set(fields) & {"owner", "co_investors"}
        )
        if unknown:
            raise TypeError(f"unknown or unsupported project fields: {sorted(unknown)}")
        try:
            check_can_edit_region(by, project.region_id)
            if stage and stage not in stages:
                raise ValidationError({"stage": _("Unknown stage “%(stage)s”.") % {"stage": stage}})
            found = _ledger_moves(project, stage=stage, fields=fields, reason=reason)
            check_can_edit_region(by, project.region_id)  # not moved out of reach
            _apply_currency(project)
            if project.name != originals[project.pk].name:  # pinyin is the costly part of a row
                _derive_search_keys(project)
            if checked:
                derive_checked_columns(project)
            else:
                validate_project(project, relations_loaded=True, day=day)
        except (ValidationError, PermissionDenied) as exc:
            exc.row_index = index
            if not collect:
                raise
            refused[index] = exc
            continue
        moves += found
        before = originals[project.pk]
        # Only the columns some row changed: each is a value per row in the UPDATE's VALUES list.
        written |= {
            name
            for name in set(fields) | _STAGE_FIELDS
            if getattr(project, _ATTNAMES[name]) != getattr(before, _ATTNAMES[name])
        }
    # A project's funds and completed-investment cells move only with the cell's other keys
    # (region, chain, method, park, flags): their months are read for those projects alone.
    moved = [p.pk for p in projects if _cell_dims(p) != _cell_dims(originals[p.pk])]
    months = _funds_months(moved) if moved else {}
    row_keys: list = []
    for index, project in enumerate(projects):
        if index in refused:
            row_keys.append(refused[index])
            continue
        had = months.get(project.pk, [])
        before = ProjectBuckets(
            frozenset(project_bucket_keys(originals[project.pk], months=had)),
            originals[project.pk].is_deleted,
            originals[project.pk].planned_investment,
            {},
        )
        keys = changed_bucket_keys(before, project, months=had)
        if any(getattr(originals[project.pk], f) != getattr(project, f) for f in LIGHT_INPUTS):
            keys.add(project_key(project.pk))
        row_keys.append(keys)
    return _Applied(projects, originals, claimed_as, moves, written, row_keys)


def _cell_dims(project: Project) -> tuple:
    return (
        project.region_id,
        project.chain_id,
        project.method_id,
        project.park_id,
        project.is_confidential,
        project.is_foreign,
        project.is_out_of_province,
        project.is_deleted,
    )


def _funds_months(ids: list[int]) -> dict[int, list[tuple[str, dt.date]]]:
    """Each project's ("funds" | "completed", month) pairs, the cells its monthly amounts count
    in: one query per 10,000 projects."""
    months: dict[int, list] = {pk: [] for pk in ids}
    for start in range(0, len(ids), _SLICE):
        some = ids[start : start + _SLICE]
        funds = FundsInPlace.objects.filter(project_id__in=some).values_list(
            "project_id", Value("funds", output_field=CharField()), "month"
        )
        completed = CompletedInvestment.objects.filter(project_id__in=some).values_list(
            "project_id", Value("completed", output_field=CharField()), "month"
        )
        for project_id, measure, month in funds.order_by().union(completed.order_by(), all=True):
            months[project_id].extend((name, month) for name in with_verified(measure))
    return months


def _ledger_moves(
    project: Project, *, stage: str | None, fields: dict, reason: str
) -> list[StageChange]:
    """Bring `project` (in memory) to the state a ledger row gives: its `fields`, its dates and
    `stage`, each move on the way made by `_move_stage`; returns the unsaved StageChanges. The
    one rule for a ledger's stage, at its preview, its import and its rollback:
    - The row's dates are written as it gives them, and no other: validate_project then refuses
      a date of a stage the row does not reach, a required date missing and dates running
      backwards. An undated 洽谈 (its date is optional) is recorded on the registration date, as
      project_bulk_create records a new project's stage.
    - Forward, the project reaches each later milestone the row dates, then `stage` (a skipped
      required stage is refused).
    - Back, with `reason`, clearing the dates of the stages left behind; out of 终止, back at the
      stage it had reached (or an earlier one), its 终止 date and reason cleared, then forward.
    - Into 终止: the row's own 终止日期 and 终止原因, both required; the milestones the row
      dates beyond the project's stage are reached first."""
    fields = dict(fields)
    dates = {f: fields.pop(f) for f in list(fields) if f in MILESTONE_FIELD.values()}
    drop_reason = fields.pop("drop_reason", None)
    for key, value in fields.items():
        setattr(project, key, value)
    moves = []
    current = project.stage
    if stage and stage != current:
        if stage == Stage.DROPPED:
            missing = {}
            if dates.get("dropped_on") is None:
                missing["dropped_on"] = _("A dropped project needs the date it was dropped.")
            if not (drop_reason or "").strip():
                missing["drop_reason"] = _("Please give the reason for dropping the project.")
            if missing:
                raise ValidationError(missing)
        else:
            back_to = None
            if current == Stage.DROPPED:
                reached = _last_reached_stage(project)
                back_to = min(stage, reached, key=PIPELINE.index)
                dates.pop("dropped_on", None)
                drop_reason = None
            elif PIPELINE.index(stage) < PIPELINE.index(current):
                back_to = stage
            if back_to:
                field = MILESTONE_FIELD[back_to]
                on = dates.get(field) or getattr(project, field) or project.registered_on
                moves.append(_move_stage(project, to=back_to, on=on, reason=reason))
        end = PIPELINE.index(stage) + 1 if stage in PIPELINE else len(PIPELINE)
        for step in PIPELINE[PIPELINE.index(project.stage) + 1 : end]:
            on = dates.get(MILESTONE_FIELD[step])
            if on is not None or step == stage:
                moves.append(
                    _move_stage(project, to=step, on=on or project.registered_on, reason="")
                )
                setattr(project, MILESTONE_FIELD[step], on)
        if stage == Stage.DROPPED:
            moves.append(_move_stage(project, to=stage, on=dates["dropped_on"], reason=drop_reason))
    for key, value in dates.items():
        setattr(project, key, value)
    if drop_reason is not None:
        project.drop_reason = drop_reason
    return moves


@transaction.atomic
def project_delete(*, project: Project, by) -> None:
    """Soft delete; restorable, and kept in the change history."""
    check_can_edit_region(by, project.region)
    project.mark_deleted()
    project.save(update_fields=["is_deleted", "deleted_at", "updated_at"])
    _record_change(project, before=project_bucket_keys(Project.all_objects.get(pk=project.pk)))


@transaction.atomic
def project_restore(*, project: Project, by) -> None:
    check_can_edit_region(by, project.region)
    project.mark_restored()
    project.save(update_fields=["is_deleted", "deleted_at", "updated_at"])
    _record_change(project, before=project_bucket_keys(Project.all_objects.get(pk=project.pk)))


# --- quick lead and 首报首谈 ----------------------------------------------------------------------
@transaction.atomic
def quick_lead_create(
    *,
    by,
    name: str,
    investor_name: str,
    region,
    planned_investment: Decimal | str,
    chain=None,
    credit_code: str = "",
    contact_name: str = "",
    contact_mobile: str = "",
    token: uuid.UUID | None = None,
) -> tuple[Project, list[ClaimConflict]]:
    """Log a lead in one step: find or create the investor, create the project, and register a
    首报首谈 conflict for every active project of the same investor in another region."""
    if token is not None:
        existing = Project.all_objects.filter(creation_token=token).first()
        if existing is not None:
            return existing, list(existing.claim_conflicts.order_by("id"))
    errors: dict[str, list[str]] = {}
    if not (investor_name or "").strip():
        errors["investor_name"] = [_("Please enter the investor.")]
    # Checked before matching: the matching drops invisible characters, so a name holding a
    # direction control would otherwise be matched (and never refused).
    for field, value in (
        ("name", name),
        ("investor_name", investor_name),
        ("contact_name", contact_name),
    ):
        try:
            check_name_characters(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    amount = None
    try:
        amount = parse_amount(planned_investment)
    except ValidationError as exc:
        errors["planned_investment"] = exc.messages
    if errors:
        raise ValidationError(errors)

    matches = enterprise_services.find_investor_matches(
        credit_code=credit_code, name=investor_name, mobile=contact_mobile
    )
    investor = _lead_investor(matches)
    if investor is None:
        investor = enterprise_services.enterprise_create(
            name=investor_name, credit_code=credit_code
        )
    elif credit_code and not investor.credit_code:
        enterprise_services.enterprise_update(enterprise=investor, credit_code=credit_code)
    if contact_name.strip() or contact_mobile.strip():
        known = investor.contacts.filter(
            phone=contact_mobile.strip(), name=contact_name.strip()
        ).exists()
        if not known:
            enterprise_services.contact_add(
                enterprise=investor,
                name=contact_name.strip() or _("(no name)"),
                phone=contact_mobile,
            )

    # project_create runs the 首报首谈 check (claims_register), the contact's mobile included.
    project = project_create(
        by=by,
        token=token,
        name=name,
        investor=investor,
        region=region,
        chain=chain,
        planned_investment=amount,
    )
    return project, list(project.claim_conflicts.order_by("id"))


def _lead_investor(matches: list[tuple[Enterprise, str]]) -> Enterprise | None:
    # A mobile number alone names a person, not the company: it flags a conflict, never reuses.
    return next((e for e, how in matches if how in ("credit_code", "name")), None)


def quick_lead_investor(*, investor_name: str, credit_code: str = "") -> Enterprise | None:
    """The known enterprise quick_lead_create would use for this investor, or None when it would
    create a new one (so the form can say so before it is saved)."""
    if not (investor_name or "").strip() and not (credit_code or "").strip():
        return None
    return _lead_investor(
        enterprise_services.find_investor_matches(credit_code=credit_code, name=investor_name)
    )


_IN_CHUNK = 500  # values per `IN (…)`: SQLite allows a limited number of parameters a query


def _chunks(values) -> list[list]:
    values = sorted(values)
    return [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]


def claims_register(*, projects: list[Project]) -> list[ClaimConflict]:
    """首报首谈 — the one check every way a project enters runs: project_create (the quick lead,
    the project API, a ledger row, a new project signed at an event), project_bulk_create (ledger
    imports) and project_update when the investor or the region changes.

    A project's investor is matched across all counties by credit code, normalised name and the
    mobile numbers of its contacts (enterprises.services.find_investor_matches' rules). For each
    matched investor, its first active project registered before this one holds the claim: when
    that is in another region, a ClaimConflict records it for the city to decide (once per pair:
    checking again adds nothing). A constant number of queries for any number of projects."""
    projects = [p for p in projects if p.investor_id and p.stage != Stage.DROPPED]
    if not projects:
        return []
    investors = {p.investor_id: p.investor for p in projects}
    own_mobiles: dict[int, set[str]] = {}
    for chunk in _chunks(investors):
        for enterprise_id, mobile in (
            EnterpriseContact.objects.filter(enterprise_id__in=chunk)
            .exclude(mobile_normalized="")
            .values_list("enterprise_id", "mobile_normalized")
        ):
            own_mobiles.setdefault(enterprise_id, set()).add(mobile)
    lookups = {
        "credit_code": ("credit_code", {e.credit_code for e in investors.values()}),
        "name": ("normalized_name", {e.normalized_name for e in investors.values()}),
        "mobile": (
            "contacts__mobile_normalized",
            {m for ms in own_mobiles.values() for m in ms},
        ),
    }
    found: dict[str, dict[str, set[int]]] = {how: {} for how in lookups}
    for how, (path, values) in lookups.items():
        for chunk in _chunks(v for v in values if v):
            for pk, value in Enterprise.objects.filter(**{f"{path}__in": chunk}).values_list(
                "pk", path
            ):
                found[how].setdefault(value, set()).add(pk)

    def matches_of(investor: Enterprise) -> list[tuple[int, str]]:
        ordered: dict[int, str] = {}
        keys = {
            "credit_code": [investor.credit_code],
            "name": [investor.normalized_name],
            "mobile": sorted(own_mobiles.get(investor.pk, ())),
        }
        for how, values in keys.items():  # strongest evidence first, each enterprise once
            for value in values:
                for pk in sorted(found[how].get(value, ()) if value else ()):
                    ordered.setdefault(pk, how)
        return list(ordered.items())

    per_project = {p.pk: matches_of(investors[p.investor_id]) for p in projects}
    matched = {pk for pairs in per_project.values() for pk, _how in pairs}
    registered: dict[int, list[tuple]] = {}
    for chunk in _chunks(matched):
        for row in (
            Project.objects.filter(investor_id__in=chunk)
            .exclude(stage=Stage.DROPPED)
            .values_list("created_at", "pk", "investor_id", "region_id")
        ):
            registered.setdefault(row[2], []).append(row)
    for rows in registered.values():
        rows.sort()
    existing: set[tuple[int, int]] = set()
    for chunk in _chunks(p.pk for p in projects):
        existing |= set(
            ClaimConflict.objects.filter(project_id__in=chunk).values_list(
                "project_id", "holder_id"
            )
        )

    conflicts = []
    for project in projects:
        seen: set[int] = set()
        for enterprise_id, matched_by in per_project[project.pk]:
            # The first registration (before this one) holds the claim; its own county's
            # later projects are no conflict.
            first = next(
                (
                    row
                    for row in registered.get(enterprise_id, ())
                    if (row[0], row[1]) < (project.created_at, project.pk)
                ),
                None,
            )
            if first is None or first[3] == project.region_id:
                continue
            holder_pk = first[1]
            if holder_pk in seen:
                continue
            seen.add(holder_pk)
            if (project.pk, holder_pk) in existing:
                continue
            conflicts.append(
                ClaimConflict(project=project, holder_id=holder_pk, matched_by=matched_by)
            )
    # One insert for the conflicts and one for their history, however many rows a ledger has.
    if conflicts:
        bulk_create_with_history(conflicts, ClaimConflict, **bulk_history_options())
    return conflicts


@transaction.atomic
def claim_decide(*, conflict: ClaimConflict, status: str, by, note: str = "") -> ClaimConflict:
    """City staff settle a 首报首谈 conflict."""
    from accounts.models import Role

    if by is None or not (by.is_superuser or by.role in (Role.CITY_ADMIN, Role.CITY_STAFF)):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only city staff decide first-report conflicts."))
    if status not in ClaimConflict.Status.values or status == ClaimConflict.Status.OPEN:
        raise ValidationError({"status": _("Please choose a decision.")})
    conflict.status = status
    conflict.decided_by = by
    conflict.decided_at = timezone.now()
    conflict.decision_note = note.strip()
    conflict.full_clean()
    conflict.save()
    return conflict


# --- follow-ups and money in ---------------------------------------------------------------------
@transaction.atomic
def followup_record(
    *,
    project: Project,
    by,
    kind: str,
    happened_on: dt.date,
    summary: str,
    next_step: str = "",
    next_due_on: dt.date | None = None,
) -> FollowUp:
    check_can_edit_region(by, project.region)
    errors = {}
    if happened_on and happened_on > today():
        errors["happened_on"] = [_("A follow-up that has happened cannot be in the future.")]
    if next_due_on and happened_on and next_due_on < happened_on:
        errors["next_due_on"] = [_("The next step cannot be due before the follow-up itself.")]
    if next_due_on and not next_step.strip():
        errors["next_step"] = [_("Say what the next step is.")]
    if errors:
        raise ValidationError(errors)
    follow_up = FollowUp(
        project=project,
        kind=kind,
        happened_on=happened_on,
        summary=summary.strip(),
        next_step=next_step.strip(),
        next_due_on=next_due_on,
        author=by,
    )
    follow_up.full_clean()
    follow_up.save()
    return follow_up


@transaction.atomic
def followup_mark_done(*, follow_up: FollowUp, by) -> FollowUp:
    check_can_edit_region(by, follow_up.project.region)
    follow_up.next_done = True
    follow_up.save(update_fields=["next_done", "updated_at"])
    return follow_up


def _monthly_record(
    model,
    *,
    project: Project,
    month: dt.date,
    amount,
    by,
    note: str,
    correction_reason: str = "",
):
    check_can_edit_region(by, project.region)
    try:
        amount = parse_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.messages}) from exc
    first = month.replace(day=1)
    if first > today():
        raise ValidationError(
            {"month": _("Money cannot be recorded for a month that has not begun.")}
        )
    record, _created = model.objects.update_or_create(
        project=project,
        month=first,
        defaults={"amount": amount, "note": note.strip(), "recorded_by": by},
    )
    # Only the month's own cells move (and the project's light may): naming every cell of the
    # project would make an entry of this month's funds touch a locked period's signed figure.
    measure = "funds" if model is FundsInPlace else "completed"
    keys = {project_key(project.pk)}
    if project.region_id is not None:
        dims = (
            project.chain_id,
            project.method_id,
            project.park_id,
            project.is_confidential,
            project.is_foreign,
            project.is_out_of_province,
        )
        keys |= {cell_key(m, project.region_id, first, dims) for m in with_verified(measure)}
    # A month of a locked period moves only as a correction, with a reason (rollups.locks.guard).
    correction = CorrectionNote(
        reason=correction_reason,
        by=by,
        subject=f"{project.name} · {model._meta.verbose_name} {first:%Y-%m}",
    )
    enqueue_refresh(keys=keys, correction=correction)
    record_edited(record=record, fields={"amount"}, by=by, correction=correction)
    return record


def funds_check_month(*, project: Project, month: dt.date) -> None:
    """Funds in place are money invested under a signed agreement: a month before the month of
    the project's signing is refused (the signing month itself is allowed: funds are recorded
    by month). A project with no signing date yet is not judged here. Raises ValidationError."""
    if project.signed_on and month.replace(day=1) < project.signed_on.replace(day=1):
        raise ValidationError(
            {
                "month": _(
                    "Funds in place cannot be dated before the project was signed (%(date)s): "
                    "check the month or the signing date."
                )
                % {"date": project.signed_on.isoformat()}
            }
        )


@transaction.atomic
def funds_record(
    *,
    project: Project,
    month: dt.date,
    amount,
    by,
    note: str = "",
    correction_reason: str = "",
) -> FundsInPlace:
    """Record (or correct: it is an edit, never a negative record) a month's funds in place.
    Refused for a month before the project's signing (funds_check_month); a month of a locked
    period only with `correction_reason` (recorded as a correction)."""
    check_can_edit_region(by, project.region)
    funds_check_month(project=project, month=month)
    return _monthly_record(
        FundsInPlace,
        project=project,
        month=month,
        amount=amount,
        by=by,
        note=note,
        correction_reason=correction_reason,
    )


def funds_row_keys(project: Project, month: dt.date) -> set[str]:
    """The outbox keys a month's funds record of `project` names (funds_bulk_record's)."""
    month = month.replace(day=1)
    return project_bucket_keys(project, months=[("funds", month), ("funds_verified", month)])


@transaction.atomic
def funds_bulk_record(
    *, by, rows: list[dict], correction: CorrectionNote | None = None
) -> tuple[list[FundsInPlace], list[FundsInPlace]]:
    """funds_record for many months at once (ledger imports and their rollback): each row is
    funds_record's keyword arguments (project, month, amount, note). The same checks row by row;
    then one insert of the new records, one bulk update of the corrected ones, each with its
    change history, and one outbox row. A row that breaks a rule raises its ValidationError with
    `row_index` set; nothing is written. Months of a locked period need `correction` (one note
    for the whole batch, rollups.locks). Returns (created, updated)."""
    ids = sorted({row["project"].pk for row in rows})
    existing: dict[tuple[int, dt.date], FundsInPlace] = {}
    for start in range(0, len(ids), _SLICE):
        for record in FundsInPlace.objects.filter(project_id__in=ids[start : start + _SLICE]):
            existing[(record.project_id, record.month)] = record
    this_month = today().replace(day=1)
    created, updated, keys = [], [], set()
    for index, row in enumerate(rows):
        project, month = row["project"], row["month"].replace(day=1)
        try:
            check_can_edit_region(by, project.region_id)
            funds_check_month(project=project, month=month)
            try:
                amount = parse_amount(row["amount"])
            except ValidationError as exc:
                raise ValidationError({"amount": exc.messages}) from exc
            if month > this_month:
                raise ValidationError(
                    {"month": _("Money cannot be recorded for a month that has not begun.")}
                )
        except ValidationError as exc:
            exc.row_index = index
            raise
        record = existing.get((project.pk, month))
        if record is None:
            record = FundsInPlace(project=project, month=month)
            created.append(record)
        else:
            updated.append(record)
        record.amount, record.note, record.recorded_by = amount, row.get("note", "").strip(), by
        keys |= funds_row_keys(project, month)
    bulk_create_with_history(created, FundsInPlace, **bulk_history_options(by))
    for record in updated:
        record.updated_at = timezone.now()
    bulk_update_with_history(
        updated,
        FundsInPlace,
        ["amount", "note", "recorded_by", "updated_at"],
        **bulk_history_options(by),
    )
    enqueue_refresh(keys=keys, correction=correction)
    return created, updated


@transaction.atomic
def funds_bulk_delete(
    *, records: list[FundsInPlace], by, correction: CorrectionNote | None = None
) -> None:
    """funds_delete for many records at once (undoing an import): one delete, one insert of
    their change-history records, one outbox row. Months of a locked period need `correction`
    (one note for the whole batch)."""
    keys: set[str] = set()
    for record in records:
        check_can_edit_region(by, record.project.region_id)
        keys |= project_bucket_keys(
            record.project, months=[("funds", record.month), ("funds_verified", record.month)]
        )
    bulk_delete_with_history(records, FundsInPlace, **bulk_history_options(by))
    enqueue_refresh(keys=keys, correction=correction)


@transaction.atomic
def project_bulk_delete(
    *, projects: list[Project], by, correction: CorrectionNote | None = None
) -> None:
    """project_delete for many projects at once (undoing an import): one soft-delete update
    with its change history, one outbox row naming every cell they counted in. Cells of a
    locked period need `correction` (one note for the whole batch)."""
    months = _funds_months([p.pk for p in projects])
    keys: set[str] = set()
    now = timezone.now()
    for project in projects:
        check_can_edit_region(by, project.region_id)
        keys |= project_bucket_keys(project, months=months[project.pk])
        project.mark_deleted()
        project.updated_at = now
    bulk_update_with_history(
        projects,
        Project,
        ["is_deleted", "deleted_at", "updated_at"],
        **bulk_history_options(by),
    )
    enqueue_refresh(keys=keys, correction=correction)


@transaction.atomic
def funds_delete(*, record: FundsInPlace, by) -> None:
    """Remove a month's funds record (e.g. undoing an import); the change history keeps it."""
    check_can_edit_region(by, record.project.region)
    project = record.project
    before = project_buckets(project)  # still names the month being deleted
    record.delete()
    _record_change(project, before=before)


@transaction.atomic
def completed_investment_record(
    *, project: Project, month: dt.date, amount, by, note: str = "", correction_reason: str = ""
) -> CompletedInvestment:
    return _monthly_record(
        CompletedInvestment,
        project=project,
        month=month,
        amount=amount,
        by=by,
        note=note,
        correction_reason=correction_reason,
    )


@transaction.atomic
def park_delete(*, park: IndustrialPark, by) -> None:
    """Delete a park (the admin's delete and its bulk action come here). The database sets its
    projects' park to none (SET_NULL, no project save, no history row), so the rollup cells they
    leave (with the park) and enter (without it) are queued here, in the same transaction; the
    refresh runs after commit."""
    check_can_edit(by, park)
    keys: set[str] = set()
    for project in Project.all_objects.filter(park=park):
        keys |= project_bucket_keys(project)
        project.park_id = None
        keys |= project_bucket_keys(project)
    park.delete()
    enqueue_refresh(keys=keys)
