"""What the dashboards show, read from the rollup tables and small reference tables only (never a
scan of projects), with the project-list link behind every figure."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from urllib.parse import urlencode

from django.core.signals import setting_changed
from django.db.models import Count, Max, Q, Sum
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import IndustryChain, Region
from enterprises.models import Enterprise, SupplierLink, Tier
from projects.models import PIPELINE, Stage
from rollups.models import (
    MEASURE_COLUMNS,
    Outbox,
    RegionMonthChainRollup,
    RegionMonthRollup,
    RollupStatus,
    StageRollup,
)

from .models import Target
from .periods import Period

CITY_CODE = "140700"
ZERO = Decimal(0)
# Which project-list date filter (URL contract) selects the projects behind a measure.
DATE_FILTER = {
    "signed": "signed",
    "started": "started",
    "expected_start": "planned_start",
    "producing": "producing",
    "registered": "registered",
}
TIER_GOALS = [(Tier.HUNDRED_YI, 10), (Tier.TEN_YI, 100), (Tier.ONE_YI, 1000)]


def default_year(today: dt.date | None = None) -> int:
    """The current year if it has figures, otherwise the latest year that has."""
    today = today or timezone.localdate()
    if RegionMonthRollup.objects.filter(month__year=today.year).exists():
        return today.year
    latest = RegionMonthRollup.objects.aggregate(latest=Max("month"))["latest"]
    return latest.year if latest else today.year


@functools.lru_cache(maxsize=64)
def _reverse(name: str, args: tuple, prefix: str) -> str:
    """reverse() is a fifth of a dashboard's cost when called for every figure; the URLconf has no
    language prefixes, so a URL depends only on its name, args and the script prefix."""
    return reverse(name, args=args)


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs) -> None:  # tests that swap the URLconf
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


def projects_url(**params) -> str:
    try:
        base = _reverse("projects:list", (), get_script_prefix())
    except NoReverseMatch:
        base = "/projects/"
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(clean)}" if clean else base


def measure_url(measure: str, period: Period | None, **params) -> str | None:
    """The project list behind a figure; None where the list has no matching filter."""
    prefix = DATE_FILTER.get(measure)
    if prefix is None:
        return None
    if period is not None:
        params[f"{prefix}_from"] = period.start.isoformat()
        params[f"{prefix}_to"] = period.end.isoformat()
    return projects_url(**params)


def _sums(columns=MEASURE_COLUMNS) -> dict:
    return {c: Sum(c) for c in columns}


def _clean(row: dict) -> dict:
    return {k: (v if v is not None else 0) for k, v in row.items()}


def _yi(value) -> float:
    return float((value or ZERO) / 10000)


def _pct(part, whole) -> float | None:
    if not whole:
        return None
    return round(float(Decimal(part or 0) * 100 / Decimal(whole)), 1)


def _elapsed_pct(year: int, through: dt.date) -> float:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if through < first:
        return 0.0
    through = min(through, last)
    return round(((through - first).days + 1) * 100 / ((last - first).days + 1), 1)


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)


def _target(region: Region | None, year: int) -> dict | None:
    fields = ["signed_count", "signed_amount", "new_start_amount", "funds_amount"]
    if region is not None and region.code != CITY_CODE:
        row = Target.objects.filter(region=region, year=year).values(*fields).first()
        return row
    own = Target.objects.filter(region__code=CITY_CODE, year=year).values(*fields).first()
    if own:
        return own
    summed = Target.objects.filter(year=year).aggregate(**{f: Sum(f) for f in fields})
    return summed if any(summed.values()) else None


def rollup_status() -> dict:
    status = RollupStatus.objects.filter(pk=1).first()
    return {
        "as_of": status.refreshed_at if status else None,
        "rebuilding": bool(status and status.rebuild_requested_at),
        "pending": Outbox.objects.count(),
    }


def _sum_rows(rows, columns: list[str]) -> dict:
    """Column sums of region-month rows (dicts), counts as int and amounts as Decimal."""
    out = {c: (0 if c.endswith("_count") else ZERO) for c in columns}
    for row in rows:
        for c in columns:
            out[c] += row[c]
    return out


def dashboard_data(*, period: Period, region: Region | None = None) -> dict:
    """Everything a city (region None) or county dashboard shows for a period.

    Lean on purpose (its cost must not grow with the data): one read of the region-month rows
    that cover the period and its year (every region: the ranking needs them), from which totals,
    year-to-date, ranking and trend are summed in Python; one grouped read of the region-month-
    chain table; one of the stage snapshot; and the small reference tables."""
    today = timezone.localdate()
    scope = {"region": region.code} if region else {}
    year_start, year_end = dt.date(period.year, 1, 1), dt.date(period.year, 12, 31)
    columns = list(MEASURE_COLUMNS)
    rm_rows = [
        dict(zip(["region_id", "month", *columns], values, strict=True))
        for values in RegionMonthRollup.objects.filter(
            month__gte=min(year_start, period.start), month__lte=max(year_end, period.end)
        ).values_list("region_id", "month", *columns)
    ]
    scoped_rows = [r for r in rm_rows if region is None or r["region_id"] == region.pk]
    in_period = [r for r in rm_rows if period.start <= r["month"] <= period.end]
    totals = _sum_rows(
        (r for r in scoped_rows if period.start <= r["month"] <= period.end), columns
    )

    # Year to the end of the period, for completion against the year's target.
    through = min(period.end, today)
    ytd = _sum_rows(
        (r for r in scoped_rows if year_start <= r["month"] <= period.end),
        ["signed_count", "signed_amount", "started_amount", "funds_amount"],
    )
    target = _target(region, period.year)
    elapsed = _elapsed_pct(period.year, through)
    year_period = Period(year_start, year_end, "year", "")

    def kpi(key, label, measure, value, *, money=True, target_key=None, ytd_key=None):
        card = {
            "key": key,
            "label": label,
            "value": value,
            "money": money,
            "url": measure_url(measure, period, **scope),
        }
        if target and target_key and target.get(target_key):
            card["target"] = target[target_key]
            card["ytd"] = ytd[ytd_key]
            card["completion"] = _pct(ytd[ytd_key], target[target_key])
            card["elapsed"] = elapsed
            card["ytd_url"] = measure_url(
                measure, Period(year_period.start, period.end, "range", ""), **scope
            )
        return card

    kpis = [
        kpi(
            "signed_count",
            _("Signed projects"),
            "signed",
            totals["signed_count"],
            money=False,
            target_key="signed_count",
            ytd_key="signed_count",
        ),
        kpi(
            "signed_amount",
            _("Signed investment"),
            "signed",
            totals["signed_amount"],
            target_key="signed_amount",
            ytd_key="signed_amount",
        ),
        kpi(
            "expected_start_amount",
            _("Expected new-start"),
            "expected_start",
            totals["expected_start_amount"],
        ),
        kpi(
            "started_amount",
            _("New-start investment"),
            "started",
            totals["started_amount"],
            target_key="new_start_amount",
            ytd_key="started_amount",
        ),
        kpi(
            "funds_amount",
            _("Funds in place"),
            "funds",
            totals["funds_amount"],
            target_key="funds_amount",
            ytd_key="funds_amount",
        ),
        kpi(
            "producing_count",
            _("Projects producing"),
            "producing",
            totals["producing_count"],
            money=False,
        ),
        kpi(
            "negotiated_count",
            _("Projects negotiated"),
            "negotiated",
            totals["negotiated_count"],
            money=False,
        ),
        kpi(
            "registered_count",
            _("New leads"),
            "registered",
            totals["registered_count"],
            money=False,
        ),
    ]

    regions = {
        pk: (code, name) for pk, code, name in Region.objects.values_list("pk", "code", "name")
    }
    chains = {
        pk: (code, name)
        for pk, code, name in IndustryChain.objects.values_list("pk", "code", "name")
    }

    ranking_cols = [
        "signed_count",
        "signed_amount",
        "expected_start_amount",
        "started_amount",
        "funds_amount",
    ]
    by_region: dict[int, list[dict]] = {}
    for row in in_period:
        by_region.setdefault(row["region_id"], []).append(row)
    ranking = []
    for region_id, rows in by_region.items():
        if region_id not in regions:
            continue
        code, name = regions[region_id]
        ranking.append(
            {
                "code": code,
                "name": name,
                "is_current": bool(region and region_id == region.pk),
                "dashboard_url": _reverse("dashboards:county", (code,), get_script_prefix()),
                "signed_url": measure_url("signed", period, region=code),
                "expected_url": measure_url("expected_start", period, region=code),
                "started_url": measure_url("started", period, region=code),
                **_sum_rows(rows, ranking_cols),
            }
        )
    ranking.sort(key=lambda x: (-x["signed_amount"], -x["signed_count"], x["code"]))

    trend_cols = [
        "signed_count",
        "signed_amount",
        "started_amount",
        "expected_start_amount",
        "funds_amount",
    ]
    by_month: dict[int, list[dict]] = {}
    for row in scoped_rows:
        if year_start <= row["month"] <= year_end:
            by_month.setdefault(row["month"].month, []).append(row)
    trend = []
    for m in range(1, 13):
        row = _sum_rows(by_month.get(m, []), trend_cols)
        start = dt.date(period.year, m, 1)
        month_period = Period(start, _month_end(start), "month", "")
        trend.append(
            {
                "label": f"{m}月",
                "signed_count": row["signed_count"],
                "signed_amount": row["signed_amount"],
                "started_amount": row["started_amount"],
                "expected_start_amount": row["expected_start_amount"],
                "funds_amount": row["funds_amount"],
                "signed_url": measure_url("signed", month_period, **scope),
            }
        )
    quarters = []
    for q in range(4):
        months = trend[q * 3 : q * 3 + 3]
        start = dt.date(period.year, q * 3 + 1, 1)
        q_end = _month_end(dt.date(period.year, q * 3 + 3, 1))
        quarters.append(
            {
                "label": f"Q{q + 1}",
                "signed_count": sum(m["signed_count"] for m in months),
                "signed_amount": sum((m["signed_amount"] for m in months), ZERO),
                "started_amount": sum((m["started_amount"] for m in months), ZERO),
                "expected_start_amount": sum((m["expected_start_amount"] for m in months), ZERO),
                "funds_amount": sum((m["funds_amount"] for m in months), ZERO),
                "signed_url": measure_url("signed", Period(start, q_end, "quarter", ""), **scope),
            }
        )

    chain_cells = RegionMonthChainRollup.objects.filter(
        month__gte=period.start, month__lte=period.end
    )
    if region:
        chain_cells = chain_cells.filter(region_id=region.pk)
    by_chain = []
    for chain_id, signed_count, signed_amount, started_amount in (
        chain_cells.values_list("chain_id")
        .annotate(Sum("signed_count"), Sum("signed_amount"), Sum("started_amount"))
        .order_by()
    ):
        if not (signed_count or started_amount):
            continue
        code, name = chains.get(chain_id, (None, None))
        by_chain.append(
            {
                "name": name if code else _("No chain given"),
                "signed_url": measure_url("signed", period, chain=code, **scope) if code else None,
                "signed_count": signed_count or 0,
                "signed_amount": signed_amount or ZERO,
                "started_amount": started_amount or ZERO,
            }
        )
    by_chain.sort(key=lambda x: -x["signed_amount"])

    stage_rows = StageRollup.objects.all()
    if region:
        stage_rows = stage_rows.filter(region_id=region.pk)
    stages = {
        stage: (n, amount)
        for stage, n, amount in stage_rows.values_list("stage")
        .annotate(Sum("project_count"), Sum("amount"))
        .order_by()
    }
    funnel = [
        {
            "stage": stage,
            "name": str(Stage(stage).label),
            "count": stages.get(stage, (0, ZERO))[0] or 0,
            "amount": stages.get(stage, (0, ZERO))[1] or ZERO,
            "url": projects_url(stage=stage, **scope),
        }
        for stage in [*PIPELINE, Stage.DROPPED]
    ]

    enterprises = Enterprise.objects.all()
    if region:
        enterprises = enterprises.filter(region=region)
    tier_counts = dict(enterprises.values_list("tier").annotate(n=Count("id")).order_by())
    tiers = [
        {"name": str(Tier(t).label), "count": tier_counts.get(t, 0), "goal": goal}
        for t, goal in TIER_GOALS
    ]

    links = SupplierLink.objects.all()
    if region:
        links = links.filter(leader__region=region)
    support = links.aggregate(total=Count("id"), local=Count("id", filter=Q(is_local=True)))
    support["rate"] = _pct(support["local"], support["total"])

    return {
        "period": period,
        "region": region,
        "kpis": kpis,
        "totals": totals,
        "target": target,
        "elapsed": elapsed,
        "ranking": ranking,
        "trend": trend,
        "quarters": quarters,
        "by_chain": by_chain,
        "funnel": funnel,
        "tiers": tiers,
        "support": support,
        "status": rollup_status(),
    }


def chart_data(data: dict) -> dict:
    """The figures the ECharts script draws, as plain JSON (亿元 floats for display only)."""
    return {
        "ranking": [
            {
                "code": r["code"],
                "name": r["name"],
                "value": _yi(r["signed_amount"]),
                "count": r["signed_count"],
                "url": r["signed_url"],
            }
            for r in data["ranking"]
        ],
        "trend": {
            "labels": [m["label"] for m in data["trend"]],
            "signed": [_yi(m["signed_amount"]) for m in data["trend"]],
            "started": [_yi(m["started_amount"]) for m in data["trend"]],
            "expected": [_yi(m["expected_start_amount"]) for m in data["trend"]],
            "urls": [m["signed_url"] for m in data["trend"]],
        },
        "quarters": {
            "labels": [q["label"] for q in data["quarters"]],
            "signed": [_yi(q["signed_amount"]) for q in data["quarters"]],
            "started": [_yi(q["started_amount"]) for q in data["quarters"]],
            "urls": [q["signed_url"] for q in data["quarters"]],
        },
        "chains": [
            {"name": c["name"], "value": _yi(c["signed_amount"]), "url": c["signed_url"]}
            for c in data["by_chain"]
        ],
        "funnel": [
            {"name": f["name"], "value": f["count"], "url": f["url"]}
            for f in data["funnel"]
            if f["stage"] != Stage.DROPPED
        ],
        "labels": {
            "signed": _("Signed (亿元)"),
            "started": _("New-start (亿元)"),
            "expected": _("Expected new-start (亿元)"),
            "projects": _("projects"),
            "yi": _("亿元"),
        },
    }
