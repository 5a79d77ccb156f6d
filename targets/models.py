"""Targets (目标任务): a region's planned figures for a year, set by city staff (by hand, by the
API or from a ledger) and read by the dashboards, which measure the rollups against them.

The table was created by the dashboards app (its migration 0001) and moved here by
targets/migrations/0001 without copying a row."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel

MONEY = {"max_digits": 18, "decimal_places": 6, "default": 0}


class Target(TimeStampedModel):
    """A region's targets for one year; the city's own row (140700), when present, is the city
    target, otherwise the counties' targets are summed. Amounts in 万元."""

    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    signed_count = models.PositiveIntegerField(_("signed projects"), default=0)
    signed_amount = models.DecimalField(_("signed investment (万元)"), **MONEY)
    new_start_amount = models.DecimalField(_("new-start investment (万元)"), **MONEY)
    funds_amount = models.DecimalField(_("funds in place (万元)"), **MONEY)
    # The assessment's own measures (综合考评). Each is optional per region: null means "no target
    # set", and a scheme indicator against a missing target scores nothing for that region.
    out_of_province_count = models.PositiveIntegerField(
        _("out-of-province signed projects (省外)"), null=True, blank=True
    )
    out_of_province_amount = models.DecimalField(
        _("out-of-province signed investment (省外, 万元)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
    )
    foreign_count = models.PositiveIntegerField(
        _("foreign signed projects (外资)"), null=True, blank=True
    )
    foreign_amount = models.DecimalField(
        _("foreign signed investment (外资, 万元)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
    )
    completed_amount = models.DecimalField(
        _("completed investment (完成投资, 万元)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
    )

    history = history()

    class Meta:
        ordering = ["-year", "region__sort_order"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="target_unique_region_year"),
            models.CheckConstraint(
                condition=Q(signed_amount__gte=0)
                & Q(new_start_amount__gte=0)
                & Q(funds_amount__gte=0)
                & (Q(out_of_province_amount__isnull=True) | Q(out_of_province_amount__gte=0))
                & (Q(foreign_amount__isnull=True) | Q(foreign_amount__gte=0))
                & (Q(completed_amount__isnull=True) | Q(completed_amount__gte=0)),
                name="target_amounts_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"
