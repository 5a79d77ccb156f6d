"""Rollup tables the dashboards read, and the outbox that keeps them fresh.

Counting follows DESIGN.md, "Rollups": milestones by their date, not a project's current stage. The
tables hold plain ids (no foreign-key constraints): they are derived data, rebuilt from source at will.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.periods import Period

MONEY = {"max_digits": 20, "decimal_places": 6, "default": 0}

# (measure, source date field on projects.Project). The signed milestone counts only projects whose
# signing is of an agreement kind the counting caliber (SigningCaliber) includes.
MILESTONE_MEASURES = [
    ("signed", "signed_on"),
    ("started", "started_on"),
    ("expected_start", "planned_start_on"),
    ("producing", "producing_on"),
    ("at_capacity", "at_capacity_on"),
    ("negotiated", "negotiating_on"),
    ("registered", "registered_on"),
    # Verified (已核实) beside reported: the same milestone, counted only when its evidence claim
    # (verification.MilestoneClaim, read here as a table) is verified. Issue 21.
    ("signed_verified", "signed_on"),
    ("started_verified", "started_on"),
    # Cohort measures of the signed month, for the county assessment (scoring): of the projects
    # signed in the month, those started since (开工率's numerator, "started by now"), and the
    # signed projects by size band (the scheme's size buckets are unions of these bands).
    ("signed_started", "signed_on"),
    ("signed_band_1", "signed_on"),
    ("signed_band_3", "signed_on"),
    ("signed_band_5", "signed_on"),
    ("signed_band_10", "signed_on"),
    ("signed_band_20", "signed_on"),
]
# Size bands of signed projects by planned investment, 万元, lower bound inclusive, upper
# exclusive (None: open): 1–3亿, 3–5亿, 5–10亿, 10–20亿, ≥20亿. A scoring scheme's size buckets
# must start and end on these edges (scoring.services validates it).
SIZE_BANDS = {
    "signed_band_1": (10000, 30000),
    "signed_band_3": (30000, 50000),
    "signed_band_5": (50000, 100000),
    "signed_band_10": (100000, 200000),
    "signed_band_20": (200000, None),
}
SIZE_BAND_EDGES = (10000, 30000, 50000, 100000, 200000)
# (measure, source table): amounts recorded per project and month (projects.MonthlyAmount), summed
# by their month: funds in place (到位资金) and completed investment (完成投资).
MONTHLY_AMOUNT_MEASURES = [
    ("funds", "projects_fundsinplace"),
    ("completed", "projects_completedinvestment"),
    ("funds_verified", "projects_fundsinplace"),
]
# Verified measures: measure -> the claim kind whose `verified` state they require. The claim table
# is read by name (rollups imports no app above it).
CLAIM_TABLE = "verification_milestoneclaim"
VERIFIED_STATE = "verified"
VERIFIED_MEASURES = {
    "signed_verified": "signed",
    "started_verified": "started",
    "funds_verified": "funds",
}
MEASURES = [name for name, _field in MILESTONE_MEASURES] + [
    name for name, _table in MONTHLY_AMOUNT_MEASURES
]
MEASURE_COLUMNS = [f"{m}_{part}" for m in MEASURES for part in ("count", "amount")]
# The fine cell's key, in order, and the measures the by-chain table keeps.
CELL_KEY = [
    "region_id",
    "month",
    "chain_id",
    "method_id",
    "park_id",
    "is_confidential",
    "is_foreign",
    "is_out_of_province",
]


def measure_applies(measure: str, project) -> bool:
    """Whether a project (in memory) can count in `measure` at its milestone date, beyond the date
    being set and the signing caliber (which the refresh decides from the signing records). The
    outbox names a cohort cell only when this holds, so a project that starts, or whose amount
    moves it to another band, names the cells it entered and left. The refresh's SQL conditions
    (rollups.refresh._counts) say the same."""
    if measure == "signed_started":
        return project.started_on is not None
    band = SIZE_BANDS.get(measure)
    if band is not None:
        low, high = band
        if project.planned_investment is None:
            return False
        amount = Decimal(str(project.planned_investment))
        return amount >= low and (high is None or amount < high)
    return True


CHAIN_COLUMNS = ["signed_count", "signed_amount", "started_count", "started_amount"]


class CohortMeasures(models.Model):
    """The signed-month cohort columns (MILESTONE_MEASURES' signed_started and size bands), shared
    by the fine cells and the region-month table."""

    signed_started_count = models.PositiveIntegerField(default=0)
    signed_started_amount = models.DecimalField(**MONEY)
    signed_band_1_count = models.PositiveIntegerField(default=0)
    signed_band_1_amount = models.DecimalField(**MONEY)
    signed_band_3_count = models.PositiveIntegerField(default=0)
    signed_band_3_amount = models.DecimalField(**MONEY)
    signed_band_5_count = models.PositiveIntegerField(default=0)
    signed_band_5_amount = models.DecimalField(**MONEY)
    signed_band_10_count = models.PositiveIntegerField(default=0)
    signed_band_10_amount = models.DecimalField(**MONEY)
    signed_band_20_count = models.PositiveIntegerField(default=0)
    signed_band_20_amount = models.DecimalField(**MONEY)

    class Meta:
        abstract = True


class MonthMeasures(CohortMeasures):
    """Count and amount (万元) of every measure, shared by the fine cells and the region-month
    table (the columns MEASURE_COLUMNS names)."""

    signed_count = models.PositiveIntegerField(default=0)
    signed_amount = models.DecimalField(**MONEY)
    started_count = models.PositiveIntegerField(default=0)
    started_amount = models.DecimalField(**MONEY)
    expected_start_count = models.PositiveIntegerField(default=0)
    expected_start_amount = models.DecimalField(**MONEY)
    producing_count = models.PositiveIntegerField(default=0)
    producing_amount = models.DecimalField(**MONEY)
    at_capacity_count = models.PositiveIntegerField(default=0)
    at_capacity_amount = models.DecimalField(**MONEY)
    negotiated_count = models.PositiveIntegerField(default=0)
    negotiated_amount = models.DecimalField(**MONEY)
    registered_count = models.PositiveIntegerField(default=0)
    registered_amount = models.DecimalField(**MONEY)
    funds_count = models.PositiveIntegerField(default=0)
    funds_amount = models.DecimalField(**MONEY)
    completed_count = models.PositiveIntegerField(default=0)
    completed_amount = models.DecimalField(**MONEY)
    signed_verified_count = models.PositiveIntegerField(default=0)
    signed_verified_amount = models.DecimalField(**MONEY)
    started_verified_count = models.PositiveIntegerField(default=0)
    started_verified_amount = models.DecimalField(**MONEY)
    funds_verified_count = models.PositiveIntegerField(default=0)
    funds_verified_amount = models.DecimalField(**MONEY)

    class Meta:
        abstract = True


class Outbox(models.Model):
    """Rollup buckets a committed change touched, written in the same transaction as the change.

    A row exists until a refresh has recomputed its buckets, so a broker outage loses nothing: the
    periodic sweep drains whatever the broker never delivered.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    keys = models.JSONField(_("bucket keys"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("rollup outbox entry")
        verbose_name_plural = _("rollup outbox")

    def __str__(self) -> str:
        return f"outbox #{self.pk}: {len(self.keys)} buckets"


class MonthlyRollup(MonthMeasures):
    """Count and amount (万元) per region × month × industry chain × promotion method × park ×
    confidential × foreign × out-of-province: the fine cells every other grouping is summed from
    (the API groups by park; city-wide API clients must not see confidential projects; origin is
    what investment-promotion reports split by).

    `month` is the first day of the month; quarters and years are sums of months. A null chain,
    method or park is "not given". Cells are written only by rollups.refresh, one row per cell
    under its advisory lock (the unique constraint cannot see null cells on every database). A
    cell whose figures are all zero is deleted.
    """

    region_id = models.IntegerField(_("region"))
    month = models.DateField(_("month"))
    chain_id = models.IntegerField(_("industry chain"), null=True)
    method_id = models.IntegerField(_("promotion method"), null=True)
    park_id = models.IntegerField(_("park"), null=True)
    is_confidential = models.BooleanField(_("confidential"), default=False)
    is_foreign = models.BooleanField(_("foreign investment"), default=False)
    is_out_of_province = models.BooleanField(_("out-of-province investment"), default=False)

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        constraints = [
            # 0 for a null id, so a null cell is unique too and the refresh finds a cell with
            # one exact index probe (rollups.refresh compares the same expressions).
            models.UniqueConstraint(
                "region_id",
                "month",
                Coalesce("chain_id", 0),
                Coalesce("method_id", 0),
                Coalesce("park_id", 0),
                "is_confidential",
                "is_foreign",
                "is_out_of_province",
                name="monthlyrollup_unique_cell_key",
            )
        ]
        indexes = [
            models.Index(fields=["month", "region_id"], name="monthlyrollup_month_region"),
            models.Index(fields=["region_id", "month"], name="monthlyrollup_region_month"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}"


class RegionMonthRollup(MonthMeasures):
    """The same figures per region × month only: what the KPI cards, ranking and trend read, so
    their cost does not grow with the number of chains × methods × projects. Derived from
    MonthlyRollup in the same transaction that writes it."""

    region_id = models.IntegerField(_("region"))
    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("region-month rollup")
        verbose_name_plural = _("region-month rollups")
        constraints = [
            models.UniqueConstraint(fields=["region_id", "month"], name="regionmonthrollup_unique")
        ]
        indexes = [models.Index(fields=["month"], name="regionmonthrollup_month")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}"


class RegionMonthChainRollup(models.Model):
    """Signed and started figures per region × month × industry chain: what the dashboard's
    by-chain figure reads, so it does not read the fine cells that grow with the data. Derived
    from MonthlyRollup in the same transaction that writes it."""

    region_id = models.IntegerField(_("region"))
    month = models.DateField(_("month"))
    chain_id = models.IntegerField(_("industry chain"), null=True)
    signed_count = models.PositiveIntegerField(default=0)
    signed_amount = models.DecimalField(**MONEY)
    started_count = models.PositiveIntegerField(default=0)
    started_amount = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("region-month-chain rollup")
        verbose_name_plural = _("region-month-chain rollups")
        constraints = [
            # Null chain as 0: one row per region-month-chain, so the refresh can upsert.
            models.UniqueConstraint(
                "region_id",
                "month",
                Coalesce("chain_id", 0),
                name="rmchainrollup_unique_chain",
            )
        ]
        indexes = [
            models.Index(fields=["month", "region_id"], name="rmchainrollup_month_region"),
            models.Index(fields=["region_id", "month"], name="rmchainrollup_region_month"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} {self.chain_id}"


class StageRollup(models.Model):
    """Pipeline now: count and amount of live projects per region × current stage × industry chain
    × promotion method (a snapshot; the dashboard's funnel sums the chains and methods). The chain
    and method keep the cells small, so a refresh recounts a few hundred projects, never a whole
    region-stage. 0 stands for "not given" (plain ids, no foreign keys: derived data)."""

    region_id = models.IntegerField(_("region"))
    stage = models.CharField(_("stage"), max_length=12)
    chain_id = models.IntegerField(_("industry chain"), default=0)
    method_id = models.IntegerField(_("promotion method"), default=0)
    project_count = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("stage rollup")
        verbose_name_plural = _("stage rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["region_id", "stage", "chain_id", "method_id"],
                name="stagerollup_unique_chain_method",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.stage} {self.chain_id} {self.method_id}"


class RollupStatus(models.Model):
    """One row: when the figures were last computed, and whether a recompute is under way."""

    refreshed_at = models.DateTimeField(_("last refreshed at"), null=True)
    rebuilt_at = models.DateTimeField(_("last full rebuild at"), null=True)
    last_drift = models.PositiveIntegerField(
        _("cells that differed at the last rebuild"), default=0
    )
    rebuild_requested_at = models.DateTimeField(_("recompute requested at"), null=True)

    class Meta:
        verbose_name = _("rollup status")
        verbose_name_plural = _("rollup status")

    def __str__(self) -> str:
        return f"rollups as of {self.refreshed_at}"

    @classmethod
    def get(cls) -> "RollupStatus":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


# The agreement kinds of events.Signing (events.models.AgreementKind's values; rollups reads the
# table, it does not import the app). A project signed without any signing record (on the project
# page, by a ledger import) counts as a formal contract: moving it to "signed" says a contract was
# signed.
FORMAL, FRAMEWORK, STRATEGIC = "formal", "framework", "strategic"
AGREEMENT_KINDS = (FORMAL, FRAMEWORK, STRATEGIC)
NO_SIGNING_RECORD_KIND = FORMAL
DEFAULT_COUNTED_KINDS = (FORMAL,)
# The same msgids as events.models.AgreementKind's labels (one translation).
AGREEMENT_KIND_LABELS = {
    FORMAL: _("Formal contract"),
    FRAMEWORK: _("Framework agreement"),
    STRATEGIC: _("Strategic cooperation agreement"),
}


class SigningCaliber(models.Model):
    """口径: which agreement kinds count as a signed project (签约项目) in every signed figure —
    rollups, dashboards, the API totals and the project list behind them. One row, edited by the
    city administrator in the admin; a change queues a full rebuild of the rollups (see
    rollups.services.caliber_update). Kinds not counted are still recorded and shown on events
    and projects."""

    counts_formal = models.BooleanField(_("formal contracts count"), default=True)
    counts_framework = models.BooleanField(_("framework agreements count"), default=False)
    counts_strategic = models.BooleanField(
        _("strategic cooperation agreements count"), default=False
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("signing caliber")
        verbose_name_plural = _("signing caliber")

    def __str__(self) -> str:
        return str(_("signing caliber"))

    @property
    def kinds(self) -> tuple[str, ...]:
        """The agreement kinds counted, in a fixed order."""
        flags = (
            (FORMAL, self.counts_formal),
            (FRAMEWORK, self.counts_framework),
            (STRATEGIC, self.counts_strategic),
        )
        return tuple(kind for kind, counted in flags if counted)


def counted_agreement_kinds() -> tuple[str, ...]:
    """The agreement kinds the signed figures count (the stored caliber, else the default: formal
    contracts only). One query; read where it is used, never cached across requests."""
    caliber = SigningCaliber.objects.filter(pk=1).first()
    return caliber.kinds if caliber is not None else DEFAULT_COUNTED_KINDS


def caliber_label(kinds: tuple[str, ...]) -> str:
    """What the signed figures count, for the pages that show them: 口径:签约项目仅计正式合同."""

    if tuple(kinds) == (FORMAL,):
        return gettext("Caliber: signed projects count formal contracts only")
    names = "、".join(str(AGREEMENT_KIND_LABELS[kind]) for kind in AGREEMENT_KINDS if kind in kinds)
    return gettext("Caliber: signed projects count %(kinds)s") % {"kinds": names}


# --- Locked periods (issue 21; the work on them is rollups.locks) ---------------------------
class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class PeriodLock(models.Model):
    """A locked month or quarter: who locked it and when, the digest of its snapshot, and, once
    unlocked, who unlocked it, when and why. A period is locked at most once at a time."""

    kind = models.CharField(_("period kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("locked at"))
    digest = models.CharField(_("snapshot digest"), max_length=64)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unlocked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlock_reason = models.CharField(_("reason for unlocking"), max_length=500, blank=True)

    class Meta:
        ordering = ["-start", "-locked_at"]
        verbose_name = _("locked period")
        verbose_name_plural = _("locked periods")
        permissions = [
            ("lock_period", _("May lock a reporting period")),
            ("unlock_period", _("May unlock a reporting period")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["start"],
                condition=Q(unlocked_at__isnull=True),
                name="periodlock_one_active_per_start",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="periodlock_order"
            ),
            models.CheckConstraint(
                condition=Q(unlocked_at__isnull=True) | ~Q(unlock_reason=""),
                name="periodlock_unlock_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None

    @property
    def label(self) -> str:
        return period_label(self.kind, self.start)


def period_label(kind: str, start: dt.date) -> str:
    """The label of the locked month or quarter starting on `start` (core.periods.Period.label)."""
    if kind == PeriodKind.QUARTER:
        return Period.of_quarter(start.year, (start.month - 1) // 3 + 1).label
    return Period.of_month(start.year, start.month).label


def _measure_fields() -> dict:
    return {
        column: (
            models.PositiveIntegerField(default=0)
            if column.endswith("_count")
            else models.DecimalField(**MONEY)
        )
        for column in MEASURE_COLUMNS
    }


class LockedCell(models.Model):
    """A fine rollup cell (rollups.MonthlyRollup) as it stood when its period was locked."""

    lock = models.ForeignKey(PeriodLock, on_delete=models.CASCADE, related_name="cells")
    region_id = models.IntegerField(_("region"))
    month = models.DateField(_("month"))
    chain_id = models.IntegerField(_("industry chain"), null=True)
    method_id = models.IntegerField(_("promotion method"), null=True)
    park_id = models.IntegerField(_("park"), null=True)
    is_confidential = models.BooleanField(_("confidential"), default=False)
    is_foreign = models.BooleanField(_("foreign investment"), default=False)
    is_out_of_province = models.BooleanField(_("out-of-province investment"), default=False)
    locals().update(_measure_fields())

    class Meta:
        verbose_name = _("locked rollup cell")
        verbose_name_plural = _("locked rollup cells")
        indexes = [models.Index(fields=["lock", "month"], name="lockedcell_lock_month")]

    def __str__(self) -> str:
        return f"{self.lock_id}: {self.region_id} {self.month:%Y-%m}"


class LockedRegionMonth(models.Model):
    """A region-month rollup row (rollups.RegionMonthRollup) as it stood when its period was
    locked: what the dashboards' cards, ranking and trend read for a locked month."""

    lock = models.ForeignKey(PeriodLock, on_delete=models.CASCADE, related_name="region_months")
    region_id = models.IntegerField(_("region"))
    month = models.DateField(_("month"))
    locals().update(_measure_fields())

    class Meta:
        verbose_name = _("locked region-month rollup")
        verbose_name_plural = _("locked region-month rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["lock", "region_id", "month"], name="lockedregionmonth_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lock_id}: {self.region_id} {self.month:%Y-%m}"


class LockedDeduction(models.Model):
    """A region's assessment deductions as they stood when the period was locked: the red lights
    at the period's end (the 亮灯 history's day tally) and the evidence returned as false in its
    months (rollups.ReturnedFalseTally). The 通报 and the scores of a locked period read these, so
    a light or a return recorded after the lock moves neither. One row per region; a lock made
    before this table existed has none (its deductions are read live)."""

    lock = models.ForeignKey(PeriodLock, on_delete=models.CASCADE, related_name="deductions")
    region_id = models.IntegerField(_("region"))
    red_lights = models.PositiveIntegerField(_("red lights"), default=0)
    returned_false = models.PositiveIntegerField(_("returned as false"), default=0)

    class Meta:
        verbose_name = _("locked deductions")
        verbose_name_plural = _("locked deductions")
        constraints = [
            models.UniqueConstraint(fields=["lock", "region_id"], name="lockeddeduction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.lock_id}: {self.region_id}"


class Correction(models.Model):
    """An edit saved after its period was locked, with the reason given: listed on the period's
    page. The live rollups follow the edit; the locked snapshot does not."""

    lock = models.ForeignKey(PeriodLock, on_delete=models.CASCADE, related_name="corrections")
    reason = models.CharField(_("correction reason"), max_length=500)
    subject = models.CharField(_("record corrected"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("corrected at"), auto_now_add=True)
    keys = models.JSONField(_("locked figures touched"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("correction of a locked period")
        verbose_name_plural = _("corrections of locked periods")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.lock}: {self.subject}"


class ReturnedFalseTally(models.Model):
    """How many evidence records of a region were returned as false (核实为虚假,
    verification.MilestoneClaim.found_false) with their claimed date in `month`: the county
    assessment's deduction reads this, never the claims. Counted like the rest of the rollups:
    claims of projects not deleted, in the project's region. Written by rollups.deductions, in
    the writer's transaction: verification's services when a claim is returned as false, verified
    after all or resubmitted with another date, and the drain for a project deleted, restored or
    moved (its ``p|`` key). A month with no such claim has no row."""

    region_id = models.IntegerField(_("region"))
    month = models.DateField(_("month"))
    count = models.PositiveIntegerField(_("returned as false"))

    class Meta:
        verbose_name = _("returned-as-false tally")
        verbose_name_plural = _("returned-as-false tallies")
        constraints = [
            models.UniqueConstraint(fields=["month", "region_id"], name="returnedfalse_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}: {self.count}"
