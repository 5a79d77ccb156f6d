"""Promotion events (招商活动), what they produced (signings, batch milestones, orders and agreements)
and their attachments."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel
from projects.models import Currency

MONEY = {"max_digits": 18, "decimal_places": 6}


class StatsGroup(models.TextChoices):
    """Which line of the activity statistics an event kind counts in."""

    ACTIVITY = "activity", _("Promotion activity")
    TRIP = "trip", _("Small-team trip")
    NONE = "none", _("Not counted")


class EventKind(TimeStampedModel):
    """A kind of promotion event (推介会, 小分队外出招商, 三个一批 …); a configurable list.

    `stats_group` decides where events of this kind are counted on the statistics page, so the
    definition of "activity" and "trip" lives in data an administrator can see and change.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    stats_group = models.CharField(
        _("counted as"), max_length=10, choices=StatsGroup.choices, default=StatsGroup.ACTIVITY
    )
    is_batch = models.BooleanField(
        _("batch ceremony (三个一批)"),
        default=False,
        help_text=_("Events of this kind can record projects started or put into production."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("event kind")
        verbose_name_plural = _("event kinds")

    def __str__(self) -> str:
        return self.name


class PromotionEvent(TimeStampedModel):
    """A promotion event: a conference, expo, small-team trip, resident office, symposium or a
    「三个一批」 ceremony, with where and when it happened, who organised it and what it produced.

    A one-day event has `end_on` equal to `start_on`.
    """

    kind = models.ForeignKey(
        EventKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("event title"), max_length=200)
    # Derived from the title by the services on every write (core.textnorm.pinyin_keys), for global
    # search by pinyin and initials, as enterprises and projects have theirs.
    title_pinyin = models.CharField(
        _("pinyin"), max_length=255, blank=True, editable=False, db_default=""
    )
    title_initials = models.CharField(
        _("initials"), max_length=100, blank=True, editable=False, db_default=""
    )
    start_on = models.DateField(_("start date"), db_index=True)
    end_on = models.DateField(_("end date"))
    place_city = models.CharField(_("city"), max_length=100)
    place_province = models.CharField(_("province"), max_length=30, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    organisers = models.ManyToManyField(
        "core.Region", verbose_name=_("organising regions"), related_name="organised_events"
    )
    leading_official = models.CharField(_("leading official"), max_length=100, blank=True)
    enterprises = models.ManyToManyField(
        "enterprises.Enterprise",
        verbose_name=_("participating enterprises"),
        blank=True,
        related_name="events",
    )
    projects_negotiated = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects negotiated"),
        blank=True,
        related_name="events_negotiated",
    )
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = history(excluded_fields=("updated_at", "title_pinyin", "title_initials"))

    class Meta:
        ordering = ["-start_on", "-id"]
        verbose_name = _("promotion event")
        verbose_name_plural = _("promotion events")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__gte=F("start_on")), name="event_end_not_before_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_on} {self.title}"

    @property
    def place(self) -> str:
        return " ".join(p for p in (self.place_province, self.place_city, self.venue) if p)


class AgreementKind(models.TextChoices):
    FORMAL = "formal", _("Formal contract")
    FRAMEWORK = "framework", _("Framework agreement")
    STRATEGIC = "strategic", _("Strategic cooperation agreement")


class Signing(TimeStampedModel):
    """A project signed, at an event or outside one. Recording it moves the project to the signed
    stage through `projects.services.project_bulk_apply` (see `events.services.signing_bulk_record`)."""

    event = models.ForeignKey(
        PromotionEvent,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signings",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="signings",
    )
    signed_on = models.DateField(_("signing date"))
    amount = models.DecimalField(_("amount at signing (万元)"), **MONEY)
    agreement_kind = models.CharField(
        _("agreement kind"),
        max_length=12,
        choices=AgreementKind.choices,
        default=AgreementKind.FORMAL,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = history()

    class Meta:
        ordering = ["signed_on", "id"]
        verbose_name = _("signing")
        verbose_name_plural = _("signings")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "project"],
                condition=Q(event__isnull=False),
                name="signing_once_per_event",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="signing_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.signed_on}"


class BatchMilestone(TimeStampedModel):
    """A project started or put into production at a 「三个一批」 ceremony."""

    class Milestone(models.TextChoices):
        STARTED = "started", _("Started")
        PRODUCING = "producing", _("Producing")

    event = models.ForeignKey(
        PromotionEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="batch_milestones",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="batch_milestones",
    )
    milestone = models.CharField(_("milestone"), max_length=12, choices=Milestone.choices)
    on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = history()

    class Meta:
        ordering = ["milestone", "id"]
        verbose_name = _("batch milestone")
        verbose_name_plural = _("batch milestones")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "project", "milestone"], name="batchmilestone_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_milestone_display()}"


class EventAgreement(TimeStampedModel):
    """An order or agreement that is not a project: export orders taken at an expo, strategic
    agreements, cooperation with a university. A foreign amount keeps its currency, the original
    figure, the rate and its date; `amount_cny` is computed once at entry (万元)."""

    class Kind(models.TextChoices):
        EXPORT_ORDER = "export_order", _("Export orders")
        ORDER = "order", _("Orders")
        STRATEGIC = "strategic", _("Strategic agreement")
        FRAMEWORK = "framework", _("Framework agreement")
        OTHER = "other", _("Other agreement")

    event = models.ForeignKey(
        PromotionEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(
        _("number of agreements or orders"), default=1, help_text=_("e.g. 20 strategic agreements")
    )
    signed_on = models.DateField(_("date"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    original_amount = models.DecimalField(
        _("amount in original currency (万)"), null=True, blank=True, **MONEY
    )
    exchange_rate = models.DecimalField(
        _("exchange rate to CNY"), null=True, blank=True, max_digits=12, decimal_places=6
    )
    rate_date = models.DateField(_("rate date"), null=True, blank=True)
    amount_cny = models.DecimalField(_("amount (万元)"), null=True, blank=True, **MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = history()

    class Meta:
        ordering = ["signed_on", "id"]
        verbose_name = _("order or agreement")
        verbose_name_plural = _("orders and agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(original_amount__isnull=True) | Q(original_amount__gte=0),
                name="agreement_amount_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(amount_cny__isnull=True) | Q(amount_cny__gte=0),
                name="agreement_cny_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return self.description


def attachment_path(instance, filename: str) -> str:
    """Where the old events.EventAttachment stored files; kept because migration 0001 names it
    (attachments are core.Attachment now, stored by core.files.private_upload_to)."""
    return f"events/{instance.event_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"
