"""County assessment (综合考评): versioned scoring schemes, the scores published under one, and the
documents (通报, 提醒函) generated from them.

A scheme version is never changed once saved: city staff edit a scheme by saving a new version
(scoring.services.scheme_create), so a published score keeps the exact formula it was computed
with. A period is scored with the scheme in force for its year: the latest version whose
`year_from` is not after that year."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

POINTS = {"max_digits": 7, "decimal_places": 2}


class Indicator(models.TextChoices):
    """What a scheme can weigh. Ratios are actual / target (the year's target, prorated to the
    period's months), capped by the indicator's cap; the start rate is a share already."""

    SIGNED_AMOUNT = "signed_amount", _("Signed investment against target")
    SIGNED_COUNT = "signed_count", _("Signed projects against target")
    START_RATE = "start_rate", _("Start rate of signed projects")
    FUNDS = "funds", _("Funds in place against target")
    COMPLETED = "completed", _("Completed investment against target")
    OUT_OF_PROVINCE_AMOUNT = "oop_amount", _("Out-of-province signed investment against target")
    OUT_OF_PROVINCE_COUNT = "oop_count", _("Out-of-province signed projects against target")
    FOREIGN_AMOUNT = "foreign_amount", _("Foreign signed investment against target")
    FOREIGN_COUNT = "foreign_count", _("Foreign signed projects against target")


class ScoringScheme(TimeStampedModel):
    """One version of the scoring formula: weighted indicators with caps, size-bucket points
    (bounds in 亿元, on the rollups' band edges), deductions, and the red / black list rules of
    the 通报. `indicators` is a list of {"key", "weight", "cap"}; `buckets` a list of
    {"low", "high", "points"} (high null: open). Decimals are stored as strings."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    year_from = models.PositiveSmallIntegerField(_("in force from year"))
    indicators = models.JSONField(_("indicators"))
    weights_at_most_100 = models.BooleanField(
        _("weights may not sum to more than 100"), default=True
    )
    buckets = models.JSONField(_("size buckets"), default=list)
    bucket_cap = models.DecimalField(_("most bucket points"), **POINTS)
    red_light_deduction = models.DecimalField(_("deduction per red light"), **POINTS)
    returned_false_deduction = models.DecimalField(
        _("deduction per record returned as false"), **POINTS
    )
    # 红黑榜 of the 通报: the red list names the units ahead of the time-elapsed progress (时序进度)
    # by at least `red_list_lead` points (0: at or ahead of it); the black list those behind it by
    # more than `black_list_gap` points, with `black_list_no_signing` those with no signed project
    # in the period, and with `black_list_red_lights` those with at least that many red lights at
    # the period's end. Bounds are checked by scoring.services.scheme_create.
    red_list_lead = models.DecimalField(
        _("red list: ahead of the time-elapsed progress by at least (points)"),
        default=0,
        **POINTS,
    )
    black_list_gap = models.DecimalField(
        _("black list: behind the time-elapsed progress by more than (points)"), **POINTS
    )
    black_list_no_signing = models.BooleanField(
        _("black list: no signed project in the period"), default=True
    )
    black_list_red_lights = models.PositiveIntegerField(
        _("black list: at least this many red lights (blank: not used)"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(bucket_cap__gte=0)
                & Q(red_light_deduction__gte=0)
                & Q(returned_false_deduction__gte=0)
                & Q(black_list_gap__gte=0)
                & Q(red_list_lead__gte=0),
                name="scoringscheme_nonnegative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Publication(TimeStampedModel):
    """A period's scores as the city published them: every county's indicators, points, total and
    rank, computed under `scheme` (kept: a later scheme version does not rewrite them)."""

    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=8)
    scheme = models.ForeignKey(
        ScoringScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="+"
    )
    rows = models.JSONField(_("scores"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-year", "period"]
        verbose_name = _("published scores")
        verbose_name_plural = _("published scores")
        constraints = [
            models.UniqueConstraint(fields=["year", "period"], name="publication_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.period}"


class ReportDocument(TimeStampedModel):
    """A generated document (通报 or 提醒函) kept in the archive (/reports/), with who made it."""

    class Kind(models.TextChoices):
        BULLETIN = "bulletin", _("Bulletin (通报)")
        REMINDER = "reminder", _("Reminder letter (提醒函)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=8)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")

    def __str__(self) -> str:
        return self.title
