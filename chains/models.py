"""Chain-gap targeting (招商目标清单) and chain indicators (产业链目标指标).

The chains and their links themselves live in core (IndustryChain, ChainLink); who sits on a link is
read from enterprises (main_link) and projects (chain_link). This app adds what the city sets out to
do about a chain: the outside enterprises to approach for each gap, and the named targets it reports
against.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel


class ChainTarget(TimeStampedModel):
    """An outside enterprise worth approaching to fill (or strengthen) one chain link."""

    class Priority(models.IntegerChoices):
        HIGH = 1, _("High")
        MEDIUM = 2, _("Medium")
        LOW = 3, _("Low")

    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        CONTACTED = "contacted", _("Contacted")
        CONVERTED = "converted", _("Converted to a lead")
        SHELVED = "shelved", _("Shelved")

    link = models.ForeignKey(
        "core.ChainLink",
        verbose_name=_("chain link"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    name = models.CharField(_("target enterprise"), max_length=200)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chain_targets",
    )
    origin = models.CharField(_("where it is"), max_length=50, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chain_targets",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IDENTIFIED
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("lead created"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chain_targets",
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)

    history = history()

    class Meta:
        ordering = ["link__chain", "link__sort_order", "priority", "name"]
        verbose_name = _("chain target")
        verbose_name_plural = _("chain targets")
        constraints = [
            models.UniqueConstraint(fields=["link", "name"], name="chaintarget_unique_per_link"),
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(project__isnull=False),
                name="chaintarget_converted_has_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.link}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.IDENTIFIED, self.Status.CONTACTED)


class ChainIndicator(TimeStampedModel):
    """A named target of a chain programme, e.g. 甲醇经济“11155”: 100万吨 green methanol by 2025."""

    chain = models.ForeignKey(
        "core.IndustryChain",
        verbose_name=_("industry chain"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    programme = models.CharField(_("programme"), max_length=100, blank=True)
    name = models.CharField(_("indicator"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    target_value = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    history = history()

    class Meta:
        ordering = ["chain", "sort_order", "name"]
        verbose_name = _("chain indicator")
        verbose_name_plural = _("chain indicators")
        constraints = [
            models.UniqueConstraint(fields=["chain", "name"], name="chainindicator_unique_name"),
            models.CheckConstraint(
                condition=Q(target_value__gt=0), name="chainindicator_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain.name} · {self.name}"


class ChainIndicatorReading(TimeStampedModel):
    """The value an indicator reached in one year (the year-end figure, or the latest so far)."""

    indicator = models.ForeignKey(
        ChainIndicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="readings",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = history()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("indicator reading")
        verbose_name_plural = _("indicator readings")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicatorreading_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicatorreading_nonnegative"),
            models.CheckConstraint(
                condition=Q(year__gte=1949) & Q(year__lte=2100), name="indicatorreading_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"
