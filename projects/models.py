"""Investment projects (招商项目) and what happens to them: stage changes, follow-ups, money in."""

from collections.abc import Iterable
from itertools import combinations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.history import history
from core.models import TimeStampedModel
from core.softdelete import SoftDeleteModel
from rollups.models import NO_SIGNING_RECORD_KIND

MONEY = {"max_digits": 18, "decimal_places": 6}


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    STARTED = "started", _("Started")
    PRODUCING = "producing", _("Producing")
    AT_CAPACITY = "at_capacity", _("At capacity")
    DROPPED = "dropped", _("Dropped")


# The pipeline in order; `dropped` stands outside it.
PIPELINE = [
    Stage.LEAD,
    Stage.NEGOTIATING,
    Stage.SIGNED,
    Stage.STARTED,
    Stage.PRODUCING,
    Stage.AT_CAPACITY,
]
# The date field that records reaching each stage.
MILESTONE_FIELD = {
    Stage.LEAD: "registered_on",
    Stage.NEGOTIATING: "negotiating_on",
    Stage.SIGNED: "signed_on",
    Stage.STARTED: "started_on",
    Stage.PRODUCING: "producing_on",
    Stage.AT_CAPACITY: "at_capacity_on",
    Stage.DROPPED: "dropped_on",
}
# Milestones whose dates must never run backwards (registered_on may precede all of them), except
# that a late entry (补录: first reported after it was signed) keeps its real registration date,
# later than its earlier milestones.
ORDERED_MILESTONES = [
    "registered_on",
    "negotiating_on",
    "signed_on",
    "started_on",
    "producing_on",
    "at_capacity_on",
]
PLANNED_FIELDS = ["planned_sign_on", "planned_start_on", "planned_production_on"]


def _milestone_order_constraints() -> list[models.CheckConstraint]:
    constraints = []
    for earlier, later in combinations(ORDERED_MILESTONES, 2):
        condition = (
            Q(**{f"{earlier}__isnull": True})
            | Q(**{f"{later}__isnull": True})
            | Q(**{f"{later}__gte": F(earlier)})
        )
        if earlier == "registered_on":
            condition |= Q(late_entry=True)
        constraints.append(
            models.CheckConstraint(condition=condition, name=f"project_{later}_after_{earlier}")
        )
    return constraints


class Light(models.TextChoices):
    """亮灯: how a project stands against its stage deadline (lights.services computes it)."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class LightReason(models.TextChoices):
    OVER_LIMIT = "over_limit", _("Over the stage time limit")
    NEAR_LIMIT = "near_limit", _("Near the stage time limit")
    PROMISE_MISSED = "promise_missed", _("Planned date passed")


# The planned date a county gave for leaving each stage (its promise).
PROMISE_FIELD = {
    Stage.NEGOTIATING: "planned_sign_on",
    Stage.SIGNED: "planned_start_on",
    Stage.STARTED: "planned_production_on",
}
# Fields the lights are stored in; set only by lights.services, never in the change history.
LIGHT_FIELDS = ("light", "light_reason", "light_since", "light_limit")


class Currency(models.TextChoices):
    CNY = "CNY", _("Renminbi")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    HKD = "HKD", _("Hong Kong dollar")
    JPY = "JPY", _("Japanese yen")
    GBP = "GBP", _("Pound sterling")
    KRW = "KRW", _("Korean won")


ROLLUP_MILESTONES = [
    "signed_on",
    "started_on",
    "planned_start_on",
    "producing_on",
    "at_capacity_on",
    "negotiating_on",
    "registered_on",
]


def _zero(field: str) -> Coalesce:
    return Coalesce(field, Value(0), output_field=models.BigIntegerField())


def _rollup_cell_index(field: str) -> models.Index:
    """(region, chain, method, park, confidential, foreign, out-of-province, the milestone date)
    over live projects that reached it. registered_on (never null) and signed_on include the id:
    the funds pairs read a cell's projects from the first, the signed pairs probe signings."""
    include = ["chain", "method", "park", "planned_investment"]
    condition = Q(is_deleted=False)
    if field in ("registered_on", "signed_on"):
        include.append("id")
    if field != "registered_on":
        condition &= Q(**{f"{field}__isnull": False})
    return models.Index(
        F("region"),
        _zero("chain"),
        _zero("method"),
        _zero("park"),
        F("is_confidential"),
        F("is_foreign"),
        F("is_out_of_province"),
        F(field),
        name=f"rollup_cell_{field}",
        include=include,
        condition=condition,
    )


class Project(SoftDeleteModel, TimeStampedModel):
    """An investment project from first lead to full capacity.

    Amounts are 万元 (CNY). For a foreign-currency project the original figure, currency, rate and
    rate date are kept and `planned_investment` holds the CNY equivalent computed once at entry.
    Stage changes go through `projects.services.project_advance_stage` only.
    """

    name = models.CharField(_("project name"), max_length=200)
    # SoftDeleteModel's field without its index: every live list reads a partial index on NOT
    # is_deleted, and the deleted list its own (project_deleted, Meta.indexes).
    is_deleted = models.BooleanField(_("deleted"), default=False)
    # Derived from the name by the services on every write (core.textnorm.pinyin_keys), for
    # global search by pinyin and initials, as enterprises have theirs.
    # A database default too: bulk loads written in SQL (bench/) leave them blank.
    name_pinyin = models.CharField(
        _("pinyin"), max_length=255, blank=True, editable=False, db_default=""
    )
    name_initials = models.CharField(
        _("initials"), max_length=100, blank=True, editable=False, db_default=""
    )
    investor = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("investor"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    co_investors = models.ManyToManyField(
        "enterprises.Enterprise",
        verbose_name=_("co-investors"),
        blank=True,
        related_name="co_projects",
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,  # every index on (region_id, …) serves a lookup by region
    )
    # park, chain, chain_link and method have no index of their own (Django gives a ForeignKey
    # one unless told): one value holds a tenth or so of the projects, so a filter on it alone
    # reads the table in order about as fast, while each index cost every save (an UPDATE of a
    # project writes an entry in every index). Deleting a park, chain, link or method (PROTECT /
    # SET_NULL) reads the table once: rare. docs/PERFORMANCE.md, "Indexes on projects".
    park = models.ForeignKey(
        "enterprises.IndustrialPark",
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        db_index=False,  # see above
    )
    chain = models.ForeignKey(
        "core.IndustryChain",
        verbose_name=_("industry chain"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,  # see above
    )
    chain_link = models.ForeignKey(
        "core.ChainLink",
        verbose_name=_("chain link"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
        db_index=False,  # see above
    )
    method = models.ForeignKey(
        "core.PromotionMethod",
        verbose_name=_("promotion method"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,  # see above
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_projects",
    )

    planned_investment = models.DecimalField(_("planned total investment (万元)"), **MONEY)
    fixed_asset_investment = models.DecimalField(
        _("fixed-asset investment (万元)"), null=True, blank=True, **MONEY
    )
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
    expected_annual_output = models.DecimalField(
        _("expected yearly output (万元)"), null=True, blank=True, **MONEY
    )
    expected_annual_tax = models.DecimalField(
        _("expected yearly tax (万元)"), null=True, blank=True, **MONEY
    )
    expected_jobs = models.PositiveIntegerField(_("expected jobs"), null=True, blank=True)

    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.LEAD)
    registered_on = models.DateField(_("registered on"))
    negotiating_on = models.DateField(_("negotiation started on"), null=True, blank=True)
    # signed_on, started_on and planned_start_on are indexed: the dashboards link the list with
    # their dates city-wide, where no index led by the region serves (docs/PERFORMANCE.md).
    signed_on = models.DateField(_("signed on"), null=True, blank=True, db_index=True)
    started_on = models.DateField(
        _("construction started on"), null=True, blank=True, db_index=True
    )
    producing_on = models.DateField(_("production started on"), null=True, blank=True)
    at_capacity_on = models.DateField(_("reached capacity on"), null=True, blank=True)
    dropped_on = models.DateField(_("dropped on"), null=True, blank=True)
    drop_reason = models.CharField(_("reason for dropping"), max_length=500, blank=True)
    planned_sign_on = models.DateField(_("planned signing date"), null=True, blank=True)
    planned_start_on = models.DateField(
        _("planned start date"), null=True, blank=True, db_index=True
    )
    planned_production_on = models.DateField(_("planned production date"), null=True, blank=True)

    # Set by the services from the dates (signed before registered), stored so that lists, the
    # API and exports can filter on it; assessment rules will treat such projects differently.
    late_entry = models.BooleanField(
        _("late entry (补录)"),
        default=False,
        editable=False,
        help_text=_("First reported after it was signed: the signing date precedes registration."),
    )
    is_out_of_province = models.BooleanField(_("out-of-province investment (省外)"), default=False)
    is_foreign = models.BooleanField(_("foreign investment (外资)"), default=False)
    is_confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Seen only by its region and city roles.")
    )
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    # 亮灯, stored by lights.services.lights_refresh (one set-based pass) so that lists, the API,
    # exports and dashboards filter and count on it. Empty for projects outside the open pipeline.
    light = models.CharField(
        _("light"),
        max_length=6,
        choices=Light.choices,
        blank=True,
        default="",
        db_default="",  # raw INSERTs (bench generators, SQL loaders) need not name it
        editable=False,
    )
    light_reason = models.CharField(
        _("light reason"),
        max_length=16,
        choices=LightReason.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    light_since = models.DateField(_("light since"), null=True, blank=True, editable=False)
    # The limit (days in the stage) the light was judged against; null for a missed promise.
    light_limit = models.PositiveIntegerField(
        _("light limit (days)"), null=True, blank=True, editable=False
    )
    # The form's one-time token: a double-submitted form finds the project it already created.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    history = history(excluded_fields=("updated_at", "name_pinyin", "name_initials", *LIGHT_FIELDS))

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0), name="project_investment_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(fixed_asset_investment__isnull=True) | Q(fixed_asset_investment__gte=0),
                name="project_fixed_asset_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(stage="dropped") | Q(dropped_on__isnull=True),
                name="project_dropped_on_only_when_dropped",
            ),
            *_milestone_order_constraints(),
        ]
        # Each index and the query it serves: docs/PERFORMANCE.md, "Indexes on projects".
        indexes = [
            # /projects/ in its default order, newest registered first: an index walk, LIMIT 25.
            models.Index(
                fields=["-registered_on", "-id"],
                name="project_registered_order",
                condition=Q(is_deleted=False),
            ),
            # /projects/?sort=-amount (and amount): an index walk either way.
            models.Index(
                fields=["planned_investment", "id"],
                name="project_amount_order",
                condition=Q(is_deleted=False),
            ),
            models.Index(fields=["region", "stage"], name="project_region_stage"),
            # The board's columns: each stage's capped count and amount (index-only) and its
            # first cards in the list's default order.
            models.Index(
                fields=["stage", "-registered_on", "-id"],
                name="project_stage_order",
                include=["planned_investment"],
                condition=Q(is_deleted=False),
            ),
            # Ledger imports match a file's rows to existing projects by name, all names in one
            # query: without it that query reads the whole table (0.2 s at 10^6 projects, twice
            # per import).
            models.Index(fields=["name"], name="project_name"),
            # The dashboards' 亮灯 card counts red and yellow projects by region.
            models.Index(
                fields=["region", "light"],
                name="project_rgn_light",
                condition=Q(light__in=["red", "yellow"], is_deleted=False),
            ),
            # The dashboards' "top 10 signed projects": an index walk in investment order, LIMIT 10.
            models.Index(
                fields=["-planned_investment", "-id"],
                name="project_signed_by_investment",
                condition=Q(signed_on__isnull=False, is_deleted=False),
            ),
            # The deleted projects' list (/projects/deleted/), newest first; holds only those.
            models.Index(
                fields=["-deleted_at"], name="project_deleted", condition=Q(is_deleted=True)
            ),
            # The rollup refresh (rollups.services): per milestone, one cell's entries by date,
            # index-only; per stage cell, its count and amount. Keyed by the fine cell
            # (rollups.models.MonthlyRollup), 0 standing for a null id; the raw ids are included
            # because an index-only scan needs every column the query names.
            *[_rollup_cell_index(field) for field in ROLLUP_MILESTONES],
            models.Index(
                F("region"),
                F("stage"),
                _zero("chain"),
                _zero("method"),
                name="rollup_prj_stage_cell",
                include=["chain", "method", "planned_investment"],
                condition=Q(is_deleted=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def light_text(self) -> str:
        """The light's reason as a person reads it (lists, exports, the API's light_text)."""
        if not self.light_reason:
            return ""
        if self.light_reason == LightReason.PROMISE_MISSED:
            planned = getattr(self, PROMISE_FIELD.get(self.stage, ""), None)
            return gettext("Planned date %(date)s passed") % {
                "date": planned.isoformat() if planned else "—"
            }
        return gettext("%(reason)s: %(days)s days in stage “%(stage)s”") % {
            "reason": self.get_light_reason_display(),
            "days": self.light_limit,
            "stage": self.get_stage_display(),
        }

    @property
    def pipeline_index(self) -> int:
        return PIPELINE.index(self.stage) if self.stage in PIPELINE else -1


def counts_as_signed(kinds: Iterable[str]) -> Q:
    """Signed projects that count as 签约项目 under a caliber (the agreement kinds counted, see
    rollups.models.SigningCaliber): one of the project's signing records is of a counted kind, or
    it has none and formal contracts count (a project moved to "signed" on its page or by an
    import was signed by contract). The rule the rollups' SQL applies (rollups.refresh
    .signed_counts_sql); the project list filters with it so a dashboard's signed figure and the
    list behind it agree."""
    kinds = list(kinds)
    # The signings live in the events app, above this one: reached through the reverse relation.
    signing = Project._meta.get_field("signings").related_model
    records = signing.objects.filter(project=OuterRef("pk"))
    counted = Exists(records.filter(agreement_kind__in=kinds))
    if NO_SIGNING_RECORD_KIND in kinds:
        counted = counted | ~Exists(records)
    return Q(signed_on__isnull=False) & Q(counted)


def lights_in_force_on(day, *, upto: int | None = None):
    """The light history rows (lights.LightChange) in force on `day`: per project, the last row
    recorded whose light had taken effect by then (its `since`, or the day it was computed when a
    light was cleared). A project's light on a past day, as the history recorded it: the
    dashboards' 亮灯 card for a past period, the list behind it and the assessment's red-light
    deduction all read it. `upto`: only the rows recorded up to that id (a tally's mark). Reached
    through the reverse relation (lights sits above this app)."""
    change = Project._meta.get_field("light_changes").related_model
    rows = change.objects.annotate(effective_on=Coalesce("since", "as_of")).filter(
        effective_on__lte=day
    )
    if upto is not None:
        rows = rows.filter(pk__lte=upto)
    later = rows.filter(project=OuterRef("project"), pk__gt=OuterRef("pk")).values("pk")
    return rows.exclude(Exists(later))


class StageChange(models.Model):
    """One move of a project along (or back along) the pipeline; never edited."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("from"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=12, choices=Stage.choices)
    on = models.DateField(_("milestone date"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    is_backward = models.BooleanField(_("moved back"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.project}: {self.from_stage} → {self.to_stage}"


class FollowUp(TimeStampedModel):
    """A visit, call, meeting or inspection on a project, with the next step and its due date."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        SITE_INSPECTION = "site_inspection", _("Site inspection")
        CONTRACT_TALK = "contract_talk", _("Contract talks")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    summary = models.TextField(_("summary"), max_length=5000)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    next_due_on = models.DateField(_("next step due"), null=True, blank=True, db_index=True)
    next_done = models.BooleanField(_("next step done"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )

    history = history()

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.project} · {self.happened_on}"


class MonthlyAmount(TimeStampedModel):
    """An amount for one project and one month (the first day of the month is stored)."""

    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount (万元)"), **MONEY)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["project", "month"]

    def __str__(self) -> str:
        # No project name: that would cost a query per row wherever these are listed.
        month = f"{self.month:%Y-%m}" if self.month else "—"
        amount = "—" if self.amount is None else f"{self.amount.normalize():f}"
        return f"{self._meta.verbose_name} {month}: {amount} 万元"


class FundsInPlace(MonthlyAmount):
    """到位资金: money actually invested in a month (the realised side of a signed amount)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="funds"
    )

    history = history()

    class Meta(MonthlyAmount.Meta):
        verbose_name = _("funds in place")
        verbose_name_plural = _("funds in place")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="funds_unique_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funds_amount_nonnegative"),
        ]
        # The rollup refresh reads a month's funds across projects.
        indexes = [models.Index(fields=["month"], name="funds_month")]


class CompletedInvestment(MonthlyAmount):
    """完成投资: investment completed in a month."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="completed_investments",
    )

    history = history()

    class Meta(MonthlyAmount.Meta):
        verbose_name = _("completed investment")
        verbose_name_plural = _("completed investment")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="completed_unique_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="completed_amount_nonnegative"),
        ]
        # The rollup refresh reads a month's completed investment across projects.
        indexes = [models.Index(fields=["month"], name="completed_month")]


class ClaimConflict(TimeStampedModel):
    """首报首谈: a new lead whose investor already has an active project in another county.

    The earlier registration holds the claim until city staff decide.
    """

    class MatchedBy(models.TextChoices):
        CREDIT_CODE = "credit_code", _("Credit code")
        NAME = "name", _("Normalised name")
        MOBILE = "mobile", _("Mobile number")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting city decision")
        FIRST_KEEPS = "first_keeps", _("First registration keeps the claim")
        SECOND_WINS = "second_wins", _("Claim transferred to the later registration")
        BOTH_PROCEED = "both_proceed", _("Both may proceed")

    project = models.ForeignKey(
        Project,
        verbose_name=_("later registration"),
        on_delete=models.CASCADE,
        related_name="claim_conflicts",
    )
    holder = models.ForeignKey(
        Project,
        verbose_name=_("first registration"),
        on_delete=models.CASCADE,
        related_name="claims_held",
    )
    matched_by = models.CharField(_("matched by"), max_length=12, choices=MatchedBy.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    history = history()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("first-report conflict")
        verbose_name_plural = _("first-report conflicts")
        constraints = [
            models.UniqueConstraint(fields=["project", "holder"], name="claimconflict_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.project} ↔ {self.holder}"
