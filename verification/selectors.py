"""Reads for the verification pages: the queue, one claim with its files, a project's milestones
and their evidence. Every read goes through accounts.scoping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from accounts.scoping import scope
from core.exif import capture_datetime
from core.models import Attachment
from events.models import Signing
from projects.models import FundsInPlace, Project

from .models import EvidenceRequirement, MilestoneClaim, MilestoneKind, State


def claims_visible(*, user) -> QuerySet[MilestoneClaim]:
    return scope(MilestoneClaim.objects.all(), user).select_related(
        "project", "project__region", "owner", "decided_by"
    )


def verification_queue(
    *, user, state: str = State.PENDING, region=None, kind: str = "", age: str = ""
) -> QuerySet[MilestoneClaim]:
    """The claims a verifier works through, oldest submission first."""
    qs = claims_visible(user=user)
    if state:
        qs = qs.filter(state=state)
    if region is not None:
        qs = qs.filter(project__region=region)
    if kind:
        qs = qs.filter(kind=kind)
    if age:
        qs = qs.filter(submitted_at__lt=timezone.now() - dt.timedelta(days=int(age)))
    return qs.order_by("submitted_at", "id")


def requirements() -> dict[str, EvidenceRequirement]:
    return {r.kind: r for r in EvidenceRequirement.objects.all()}


@dataclass
class EvidenceFile:
    attachment: Attachment
    captured_at: dt.datetime | None = None


def claim_files(claim: MilestoneClaim, *, read_photo_dates: bool = True) -> list[EvidenceFile]:
    """A claim's files; for JPEG photos, the capture date from EXIF (read from the stored file's
    first bytes)."""
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(MilestoneClaim), object_id=claim.pk
    ).select_related("uploaded_by")
    files = []
    for attachment in rows:
        captured = None
        if read_photo_dates and attachment.mime_type == "image/jpeg":
            try:
                with attachment.file.open("rb") as handle:
                    captured = capture_datetime(handle.read(256 * 1024))
            except OSError:
                captured = None
        files.append(EvidenceFile(attachment, captured))
    return files


@dataclass
class Milestone:
    """One milestone of a project that can carry evidence, and its claim if opened."""

    kind: str
    label: str
    record: object
    claimed_on: dt.date
    amount: object
    claim: MilestoneClaim | None = None
    files: list[EvidenceFile] = field(default_factory=list)


def project_milestones(*, project: Project, user) -> list[Milestone]:
    """The project's signings, its start and its funds months, each with its evidence."""
    found: list[Milestone] = []
    for signing in scope(Signing.objects.filter(project=project), user).order_by("signed_on"):
        found.append(
            Milestone(
                MilestoneKind.SIGNED,
                signing.get_agreement_kind_display(),
                signing,
                signing.signed_on,
                signing.amount,
            )
        )
    if project.started_on is not None:
        found.append(
            Milestone(
                MilestoneKind.STARTED,
                str(MilestoneKind.STARTED.label),
                project,
                project.started_on,
                project.planned_investment,
            )
        )
    for funds in FundsInPlace.objects.filter(project=project).order_by("month"):
        found.append(
            Milestone(
                MilestoneKind.FUNDS,
                f"{funds.month:%Y-%m}",
                funds,
                funds.month,
                funds.amount,
            )
        )
    claims = {
        (c.kind, c.content_type_id, c.object_id): c
        for c in MilestoneClaim.objects.filter(project=project).select_related("decided_by")
    }
    for milestone in found:
        ct = ContentType.objects.get_for_model(milestone.record)
        milestone.claim = claims.get((milestone.kind, ct.pk, milestone.record.pk))
        if milestone.claim is not None:
            milestone.files = claim_files(milestone.claim)
    return found
