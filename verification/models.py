"""Evidence behind reported figures (issue 21): a milestone's claim (签约, 开工, 到位资金), the files
that prove it (core.Attachment rows hanging on the claim) and its verification state.

A claim is opened when its first piece of evidence is attached; it starts 待核实 (pending), a city
verifier marks it 已核实 (verified) or 退回 (returned, with a reason), and a returned claim is
fixed by its owner and submitted again. The verified totals are a rollup measure (rollups reads
this table: `verified` claims of the kinds below), so dashboards and the API show verified and
reported figures from one path.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel


class MilestoneKind(models.TextChoices):
    """The milestones that carry evidence; rollups.models names the same values."""

    SIGNED = "signed", _("Signing")
    STARTED = "started", _("Construction start")
    FUNDS = "funds", _("Funds in place")


class State(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    RETURNED = "returned", _("Returned")


class EvidenceRequirement(TimeStampedModel):
    """What a milestone of one kind must carry (e.g. signed: 投资协议/合同), shown beside the upload
    form and in the verifier's queue. One row per kind, edited by the city administrator."""

    kind = models.CharField(
        _("milestone"), max_length=10, choices=MilestoneKind.choices, unique=True
    )
    requirement = models.CharField(_("required evidence"), max_length=200)
    photo_date_checked = models.BooleanField(
        _("photo capture date shown"),
        default=False,
        help_text=_("Show a photo's capture date (EXIF) beside the claimed date."),
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("evidence requirement")
        verbose_name_plural = _("evidence requirements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.requirement}"


class MilestoneClaim(TimeStampedModel):
    """One reported milestone and its verification: the signing, the start or the month's funds
    of a project. `record` is the row that reports it (events.Signing, projects.Project for the
    start, projects.FundsInPlace); the claimed date and amount are copied when it is submitted,
    so the verifier sees what was claimed at the time."""

    kind = models.CharField(_("milestone"), max_length=10, choices=MilestoneKind.choices)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="milestone_claims",
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    claimed_on = models.DateField(_("claimed date"))
    amount = models.DecimalField(_("amount (万元)"), max_digits=18, decimal_places=6)
    state = models.CharField(
        _("verification"), max_length=10, choices=State.choices, default=State.PENDING
    )
    return_reason = models.CharField(_("reason returned"), max_length=500, blank=True)
    # Returned because the claim is untrue (核实为虚假), not merely incomplete: the county assessment
    # deducts for each, counted per region and month in rollups.ReturnedFalseTally (kept by the
    # services here, in their transaction). Cleared if later verified.
    found_false = models.BooleanField(_("found to be false"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestone_claims",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified or returned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("verified or returned at"), null=True, blank=True)

    # The files (core.Attachment rows hanging on the claim), for prefetching in lists.
    attachments = GenericRelation("core.Attachment", related_query_name="milestone_claim")

    # Every submission, return and verification is kept (变更记录): who, when, the reason.
    history = history()

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("milestone evidence")
        verbose_name_plural = _("milestone evidence")
        permissions = [("verify_milestone", _("May verify or return milestone evidence"))]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id"], name="claim_unique_record"
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""),
                name="claim_returned_has_reason",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_amount_nonnegative"),
        ]
        indexes = [
            # The verifier's queue: a state's claims, oldest first.
            models.Index(fields=["state", "submitted_at"], name="claim_queue"),
            # The rollups' probe: is this project's milestone verified?
            models.Index(fields=["project", "kind", "state"], name="claim_project_kind"),
            models.Index(fields=["object_id", "kind", "state"], name="claim_record_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.claimed_on}"
