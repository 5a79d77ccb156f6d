"""Stage deadlines (亮灯 rules), the history of every light, and 督办 supervision items.

The current light of each project is stored on the project itself (projects.Project.light…), so
lists, exports and the API filter on it without a join; this app holds the rules that judge it, the
record of each change, and the follow-up it triggers.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel
from projects.models import Light, LightReason, Stage

# A rule times the stay in one stage, i.e. one transition of the pipeline.
TRANSITIONS = [
    (Stage.LEAD, Stage.NEGOTIATING),
    (Stage.NEGOTIATING, Stage.SIGNED),
    (Stage.SIGNED, Stage.STARTED),
    (Stage.STARTED, Stage.PRODUCING),
    (Stage.PRODUCING, Stage.AT_CAPACITY),
]


class Transition(models.TextChoices):
    LEAD = "lead", _("Lead → negotiating")
    NEGOTIATING = "negotiating", _("Negotiating → signed")
    SIGNED = "signed", _("Signed → started")
    STARTED = "started", _("Started → producing")
    PRODUCING = "producing", _("Producing → at capacity")


class SizeBucket(models.IntegerChoices):
    """Narrowing by size: projects of at least this planned investment (万元)."""

    GE_1YI = 10_000, _("≥ 1亿元")
    GE_5YI = 50_000, _("≥ 5亿元")
    GE_10YI = 100_000, _("≥ 10亿元")
    GE_20YI = 200_000, _("≥ 20亿元")


class LightRule(models.Model):
    """One version of a deadline rule: how many days a project may stay in `from_stage` before it
    turns yellow and red, optionally only for one region, chain and size bucket.

    Rules are never edited in place: a change writes a new version (same `series`, `version` + 1)
    and retires the old one, so each recorded light names the exact version that judged it. Of the
    current rules that match a project, the most specific one applies (region, then chain, then the
    larger size bucket).
    """

    series = models.PositiveIntegerField(_("rule number"), db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    from_stage = models.CharField(_("transition"), max_length=12, choices=Transition.choices)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chain = models.ForeignKey(
        "core.IndustryChain",
        verbose_name=_("industry chain"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    min_investment = models.PositiveIntegerField(
        _("size"), null=True, blank=True, choices=SizeBucket.choices
    )
    yellow_days = models.PositiveIntegerField(_("yellow after (days)"))
    red_days = models.PositiveIntegerField(_("red after (days)"))
    is_current = models.BooleanField(_("current"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["from_stage", "series", "-version"]
        verbose_name = _("light rule")
        verbose_name_plural = _("light rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(red_days__gt=F("yellow_days")), name="lightrule_red_after_yellow"
            ),
            models.UniqueConstraint(
                fields=["series", "version"], name="lightrule_unique_series_version"
            ),
            # One current rule per scope (nulls compared as "any").
            models.UniqueConstraint(
                "from_stage",
                Coalesce("region", 0),
                Coalesce("chain", 0),
                Coalesce("min_investment", 0),
                condition=Q(is_current=True),
                name="lightrule_one_current_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} v{self.version}"

    @property
    def specificity(self) -> tuple:
        return (
            self.region_id is not None,
            self.chain_id is not None,
            self.min_investment or 0,
            -self.series,
        )


class LightChange(models.Model):
    """A project's light changed (or was first set): kept so that a quarter's red count is auditable.
    `since` is the day the light took this colour (e.g. signed + red limit), `as_of` the day the
    computation ran for."""

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="light_changes",
    )
    # The project's region when the row was recorded: a past period's counts per region read the
    # history alone, never the projects table (a move records a row in the new region).
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    previous_light = models.CharField(
        _("previous light"), max_length=6, choices=Light.choices, blank=True
    )
    light = models.CharField(_("light"), max_length=6, choices=Light.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=LightReason.choices, blank=True)
    since = models.DateField(_("since"), null=True, blank=True)
    limit_days = models.PositiveIntegerField(_("limit (days)"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    rule = models.ForeignKey(
        LightRule,
        verbose_name=_("rule version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )
    as_of = models.DateField(_("as of"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("light change")
        verbose_name_plural = _("light changes")
        indexes = [models.Index(fields=["project", "-id"], name="lightchange_project")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.light} ({self.as_of})"


class LightTally(models.Model):
    """How many projects of a region and stage have a red or yellow light: the dashboards' 亮灯
    card reads this (dashboards read small tables, never scan projects). Kept by lights_refresh in
    its transaction: rewritten by the full pass, from the partial index project_rgn_light; after a
    drain of a few projects, the (region, stage) groups they left or entered are recounted."""

    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    light = models.CharField(_("light"), max_length=6, choices=Light.choices)
    count = models.PositiveIntegerField(_("projects"))

    class Meta:
        verbose_name = _("light tally")
        verbose_name_plural = _("light tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "stage", "light"], name="lighttally_unique_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.stage} {self.light}: {self.count}"


class LightDayTally(models.Model):
    """How many projects of a region and stage had a red or yellow light on a past `day`, by the
    light history (projects.models.lights_in_force_on): the memo that a past period's dashboard
    card and the assessment's red-light deduction read, so neither scans the history on every
    page. Counted by lights.selectors.light_counts_on the first time a day is asked for; from then
    on the history's writers keep it exact in their own transaction
    (lights.services._follow_day_tallies), so its readers never read the history."""

    day = models.DateField(_("day"))
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    light = models.CharField(_("light"), max_length=6, choices=Light.choices)
    count = models.PositiveIntegerField(_("projects"))

    class Meta:
        verbose_name = _("light tally of a day")
        verbose_name_plural = _("light tallies of a day")
        indexes = [models.Index(fields=["day"], name="lightdaytally_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id} {self.stage} {self.light}: {self.count}"


class LightDayMark(models.Model):
    """A day whose LightDayTally was counted (and the last history row the count saw): the
    history's writers adjust the tallies of the days marked here."""

    day = models.DateField(_("day"), unique=True)
    upto = models.BigIntegerField(_("last history row counted"))

    class Meta:
        verbose_name = _("light tally mark")
        verbose_name_plural = _("light tally marks")

    def __str__(self) -> str:
        return f"{self.day}: {self.upto}"


class SupervisionItem(TimeStampedModel):
    """督办: the city asks a county to act on a project by a date; the county answers with text and
    evidence, the city closes the item or returns it for another answer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        RETURNED = "returned", _("Returned")
        CLOSED = "closed", _("Closed")

    class Origin(models.TextChoices):
        RED_LIGHT = "red_light", _("Red light")
        MANUAL = "manual", _("Opened by city staff")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="supervision_items",
    )
    # The project's region, kept here so that lists and the dashboard's panel are scoped without
    # reading the projects table; re-synced by lights_refresh_from_outbox when a project moves.
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    origin = models.CharField(_("opened by"), max_length=10, choices=Origin.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible (county staff)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervision_items",
    )
    due_on = models.DateField(_("due on"))
    instruction = models.TextField(_("instruction"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    answer = models.TextField(_("answer"), max_length=5000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    review_note = models.CharField(_("city's note"), max_length=500, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = history()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="supervision_status_due")]
        verbose_name = _("supervision item")
        verbose_name_plural = _("supervision items")
        constraints = [
            # At most one unfinished item per project opened by a red light.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(origin="red_light") & ~Q(status="closed"),
                name="supervision_one_open_red_item",
            ),
        ]

    def __str__(self) -> str:
        return f"督办 #{self.pk} {self.project}"

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.CLOSED

    def is_overdue(self, today) -> bool:
        return self.status in (self.Status.OPEN, self.Status.RETURNED) and self.due_on < today
