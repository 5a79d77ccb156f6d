"""Every write on milestone evidence: attach and remove files, submit again, verify, return.

Who may attach is who may change the project (accounts.scoping); who may verify holds the
`verification.verify_milestone` permission (city staff and administrators by role,
accounts.permissions) and never decides on a claim they recorded or submitted themselves. A
decision that changes what counts as verified names the rollup cells it moves, in the same
transaction (the outbox), so the verified totals stay on the rollups' one path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import check_can_edit, check_can_edit_region, scope
from accounts.services import attachment_add, attachment_delete
from core.attachments import attachments_bulk_remove
from core.history import bulk_delete_with_history, bulk_history_options
from core.models import Attachment
from events.models import Signing
from projects.models import FundsInPlace, Project
from rollups.deductions import returned_false_refresh
from rollups.outbox import cell_key, enqueue_refresh

from .models import MilestoneClaim, MilestoneKind, State

VERIFY_PERMISSION = "verification.verify_milestone"
RECORD_MODELS: dict[str, type[Model]] = {
    MilestoneKind.SIGNED: Signing,
    MilestoneKind.STARTED: Project,
    MilestoneKind.FUNDS: FundsInPlace,
}
# The rollup measure a verified claim of each kind counts in (rollups.models.VERIFIED_MEASURES).
VERIFIED_MEASURE = {
    MilestoneKind.SIGNED: "signed_verified",
    MilestoneKind.STARTED: "started_verified",
    MilestoneKind.FUNDS: "funds_verified",
}


def claimed(kind: str, record: Model) -> tuple[Project, dt.date, Decimal]:
    """The project, date and amount a milestone record reports."""
    if kind == MilestoneKind.SIGNED and isinstance(record, Signing):
        return record.project, record.signed_on, record.amount
    if kind == MilestoneKind.STARTED and isinstance(record, Project):
        if record.started_on is None:
            raise ValidationError(_("This project has not started construction yet."))
        return record, record.started_on, record.planned_investment or Decimal(0)
    if kind == MilestoneKind.FUNDS and isinstance(record, FundsInPlace):
        return record.project, record.month, record.amount
    raise ValidationError(_("This record does not carry that kind of evidence."))


def can_verify(user) -> bool:
    return bool(user and user.is_active and user.has_perm(VERIFY_PERMISSION))


def claim_for(kind: str, record: Model) -> MilestoneClaim | None:
    return MilestoneClaim.objects.filter(
        kind=kind, content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).first()


def _refuse_if_verified(claim: MilestoneClaim) -> None:
    if claim.state == State.VERIFIED:
        raise ValidationError(
            _("Verified evidence cannot be changed; ask a verifier to return it first.")
        )


@transaction.atomic
def evidence_add(
    *, kind: str, record: Model, upload: UploadedFile | None, by, description: str = ""
) -> Attachment:
    """Attach a file to a milestone's evidence; the first file opens the claim as pending.
    A refused file (type, size) leaves neither the claim nor the file behind."""
    project, claimed_on, amount = claimed(kind, record)
    check_can_edit(by, project)
    if upload is None:
        raise ValidationError(_("Choose a file to upload."))
    claim = (
        MilestoneClaim.objects.select_for_update()
        .filter(
            kind=kind, content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )
        .first()
    )
    if claim is not None:
        _refuse_if_verified(claim)
    else:
        claim = MilestoneClaim(
            kind=kind,
            project=project,
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            claimed_on=claimed_on,
            amount=amount,
            owner=by,
            submitted_at=timezone.now(),
        )
        claim.full_clean()
        claim.save()
    return attachment_add(record=claim, upload=upload, by=by, description=description)


@transaction.atomic
def evidence_remove(*, attachment: Attachment, by) -> None:
    """Remove a file from a claim that is not verified."""
    if attachment.content_type_id != ContentType.objects.get_for_model(MilestoneClaim).pk:
        raise PermissionDenied(_("This file is not milestone evidence."))
    # The stored state, not a copy the caller holds: a verifier may have decided meanwhile.
    claim = MilestoneClaim.objects.select_for_update().get(pk=attachment.object_id)
    _refuse_if_verified(claim)
    attachment_delete(attachment=attachment, by=by)


@transaction.atomic
def imported_evidence_remove(*, attachment_ids, claim_ids, by) -> None:
    """Undo the evidence a ledger import attached (imports.services.batch_rollback): its files go,
    rows and stored files, and so do the claims it opened; in bulk, in the caller's transaction.
    Refused when any of that evidence was verified since, or when a claim the import opened
    holds a file added since (later work is not lost)."""
    content_type = ContentType.objects.get_for_model(MilestoneClaim)
    attachments = list(
        Attachment.objects.filter(pk__in=list(attachment_ids), content_type=content_type)
    )
    opened = {int(pk) for pk in claim_ids}
    touched = opened | {a.object_id for a in attachments}
    if not touched:
        return
    claims = list(
        MilestoneClaim.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(pk__in=touched)
    )
    if by is not None:
        visible = scope(MilestoneClaim.objects.filter(pk__in=touched), by).count()
        if visible != len(claims):
            raise PermissionDenied(_("You may only change records of your own region."))
        for region_id in {claim.project.region_id for claim in claims}:
            check_can_edit_region(by, region_id)
    for claim in claims:
        _refuse_if_verified(claim)
    ours = {a.pk for a in attachments}
    later = (
        Attachment.objects.filter(content_type=content_type, object_id__in=opened)
        .exclude(pk__in=ours)
        .order_by("pk")
        .first()
    )
    if later is not None:
        raise ValidationError(
            _(
                "The file “%(name)s” was added since to evidence this import opened; roll back "
                "is refused so that later work is not lost."
            )
            % {"name": later.original_name}
        )
    attachments_bulk_remove(attachments=attachments, by=by)
    bulk_delete_with_history(
        [c for c in claims if c.pk in opened], MilestoneClaim, **bulk_history_options(by)
    )


@transaction.atomic
def claim_resubmit(*, claim: MilestoneClaim, by) -> MilestoneClaim:
    """A returned claim, fixed by its owner's side, goes back to the queue as pending (with the
    record's date and amount as they are now)."""
    check_can_edit(by, claim.project)
    claim = MilestoneClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != State.RETURNED:
        raise ValidationError(_("Only returned evidence can be submitted again."))
    if not _attachments(claim).exists():
        raise ValidationError(_("Attach at least one file before submitting."))
    was_on = claim.claimed_on
    _project, claim.claimed_on, claim.amount = claimed(claim.kind, claim.record)
    claim.state = State.PENDING
    claim.return_reason = ""
    claim.submitted_at = timezone.now()
    claim.owner = by or claim.owner
    claim.decided_by = None
    claim.decided_at = None
    claim.full_clean()
    claim.save()
    if claim.found_false and was_on != claim.claimed_on:
        # The mark stays through a resubmission; its month follows the claimed date.
        returned_false_refresh([was_on, claim.claimed_on])
    return claim


def _attachments(claim: MilestoneClaim):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(MilestoneClaim), object_id=claim.pk
    )


def is_own(claim: MilestoneClaim, user) -> bool:
    """Did `user` record the milestone, submit its evidence or upload one of its files?"""
    if claim.owner_id == user.pk:
        return True
    record = claim.record
    if getattr(record, "recorded_by_id", None) == user.pk:
        return True
    return _attachments(claim).filter(uploaded_by=user).exists()


def _check_decider(claim: MilestoneClaim, by) -> MilestoneClaim:
    if not can_verify(by):
        raise PermissionDenied(_("Only city verifiers may verify or return evidence."))
    visible = scope(MilestoneClaim.objects.filter(pk=claim.pk), by)
    claim = visible.select_for_update(of=("self",)).select_related("project").first()
    if claim is None:
        raise PermissionDenied(_("You may not see this record."))
    if is_own(claim, by):
        raise ValidationError(_("You cannot verify or return evidence you recorded yourself."))
    return claim


def _verified_keys(claim: MilestoneClaim) -> set[str]:
    """The rollup cell the claim's verified figure counts in (by the project's milestone date,
    or the funds row's month, as the rollups count it)."""
    project = claim.project
    if project.region_id is None:
        return set()
    if claim.kind == MilestoneKind.FUNDS:
        month = FundsInPlace.objects.filter(pk=claim.object_id).values_list("month", flat=True)
        day = month.first()
    else:
        day = project.signed_on if claim.kind == MilestoneKind.SIGNED else project.started_on
    if day is None:
        return set()
    dims = (
        project.chain_id,
        project.method_id,
        project.park_id,
        project.is_confidential,
        project.is_foreign,
        project.is_out_of_province,
    )
    return {cell_key(VERIFIED_MEASURE[claim.kind], project.region_id, day, dims)}


@transaction.atomic
def claim_verify(*, claim: MilestoneClaim, by) -> MilestoneClaim:
    """Mark pending evidence verified: it now counts in the verified totals."""
    claim = _check_decider(claim, by)
    if claim.state != State.PENDING:
        raise ValidationError(_("Only evidence pending verification can be verified."))
    if not _attachments(claim).exists():
        raise ValidationError(_("There is no file to verify."))
    was_false = claim.found_false
    claim.state = State.VERIFIED
    claim.found_false = False  # verified after all: the assessment no longer deducts for it
    claim.decided_by = by
    claim.decided_at = timezone.now()
    claim.full_clean()
    claim.save()
    enqueue_refresh(keys=_verified_keys(claim))
    if was_false:
        returned_false_refresh([claim.claimed_on])
    return claim


@transaction.atomic
def claim_return(
    *, claim: MilestoneClaim, by, reason: str, found_false: bool = False
) -> MilestoneClaim:
    """Send evidence back to its owner with a reason: it is open for changes again, the owner
    hears of it (notifications.selectors), and a verified figure stops counting. `found_false`:
    the claim is untrue (核实为虚假), which the county assessment deducts for."""
    claim = _check_decider(claim, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for returning it.")]})
    if claim.state == State.RETURNED:
        raise ValidationError(_("This evidence has already been returned."))
    was_verified, was_false = claim.state == State.VERIFIED, claim.found_false
    claim.state = State.RETURNED
    claim.return_reason = reason[:500]
    claim.found_false = bool(found_false)
    claim.decided_by = by
    claim.decided_at = timezone.now()
    claim.full_clean()
    claim.save()
    if was_verified:
        enqueue_refresh(keys=_verified_keys(claim))
    if was_false or claim.found_false:
        # The assessment's deduction (rollups.ReturnedFalseTally), in this transaction.
        returned_false_refresh([claim.claimed_on])
    return claim


# The fields of each record a claim's date or amount comes from: editing one makes a verified
# claim stale, so it goes back to 待核实 (issue 21).
_STALE_FIELDS: dict[type[Model], dict[str, set[str]]] = {
    Project: {
        MilestoneKind.STARTED: {"started_on", "planned_investment"},
        MilestoneKind.SIGNED: {"signed_on"},
    },
    Signing: {MilestoneKind.SIGNED: {"amount", "agreement_kind", "signed_on"}},
    FundsInPlace: {MilestoneKind.FUNDS: {"amount", "month"}},
}


def claims_reset_on_edit(*, record: Model, fields: set[str], by, correction=None) -> None:
    """A verified claim whose record was edited (its date or amount) goes back to pending, with
    the record's date and amount as they are now; its verified figure stops counting. Registered
    with core.changes (VerificationConfig.ready): the writers below never import this app."""
    kinds = [
        kind for kind, watched in _STALE_FIELDS.get(type(record), {}).items() if watched & fields
    ]
    if not kinds:
        return
    claims = MilestoneClaim.objects.select_for_update().filter(state=State.VERIFIED, kind__in=kinds)
    if isinstance(record, Project) and MilestoneKind.SIGNED in kinds:
        # A project's signing date is the milestone of each of its signings' claims.
        claims = claims.filter(project=record)
    else:
        claims = claims.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )
    if not isinstance(record, Project):
        claims = claims.select_related("project")
    keys: set[str] = set()
    for claim in claims:
        if isinstance(record, Project) and claim.project_id == record.pk:
            # The edited project itself, as the writer just saved it in this transaction: not
            # joined again (its ~50 columns cost every amount edit ~0.7 ms of CPU, claim or not).
            claim.project = record
        keys |= _verified_keys(claim)
        # If the start date was cleared, the claim keeps what was claimed.
        with contextlib.suppress(ValidationError):
            _project, claim.claimed_on, claim.amount = claimed(claim.kind, claim.record)
        claim.state = State.PENDING
        claim.decided_by = None
        claim.decided_at = None
        claim.submitted_at = timezone.now()
        claim.full_clean()
        claim.save()
        keys |= _verified_keys(claim)
    enqueue_refresh(keys=keys, correction=correction)
