"""What the dashboards show, read from the rollup tables (through dashboards.reads, the read model
the rollups API reads through too) and small reference tables only (never a scan of projects), with
the project-list link behind every figure."""

# The dashboard's SQL is assembled only from module constants; values are always parameters.
# ruff: noqa: S608
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import quote_plus, unquote_plus

from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import Reach, reach
from core.models import Region
from core.periods import Period
from enterprises.models import Tier
from projects.models import PIPELINE, Stage
from rollups.locks import split_months
from rollups.models import (
    AGREEMENT_KINDS,
    DEFAULT_COUNTED_KINDS,
    MEASURE_COLUMNS,
    RegionMonthRollup,
    caliber_label,
)
from targets.models import Target

from .reads import aware, fetch, stage_sums, sums

CITY_CODE = "140700"
ZERO = Decimal(0)
# Which project-list date filter (URL contract) selects the projects behind a measure.
DATE_FILTER = {
    "signed": "signed",
    "started": "started",
    "expected_start": "planned_start",
    "producing": "producing",
    "registered": "registered",
    "negotiated": "negotiating",
    # Amounts summed by month: the list selects the projects with rows in those months and totals
    # the rows (total-funds / total-completed).
    "funds": "funds",
    "completed": "completed",
}
# The ranking's linked figures: (its URL's name, the measure).
RANKING_LINKS = [
    ("signed", "signed"),
    ("expected", "expected_start"),
    ("started", "started"),
    ("funds", "funds"),
    ("completed", "completed"),
]
# Which of the list's totals a figure of each measure equals (templatetags figure's `kind`).
MONTHLY_FIGURES = {"funds", "completed"}
TIER_GOALS = [(Tier.HUNDRED_YI, 10), (Tier.TEN_YI, 100), (Tier.ONE_YI, 1000)]
# The project-list filter a signed figure's link adds, so the list counts what the figure counts
# (the caliber, 口径).
SIGNED_CALIBER_FILTER = ("counts_as_signed", "true")


def default_year(today: dt.date | None = None) -> int:
    """The current year if it has figures, otherwise the latest year that has."""
    today = today or timezone.localdate()
    if RegionMonthRollup.objects.filter(month__year=today.year).exists():
        return today.year
    latest = RegionMonthRollup.objects.aggregate(latest=Max("month"))["latest"]
    return latest.year if latest else today.year


def _list_base() -> str:
    try:
        return reverse("projects:list")
    except NoReverseMatch:  # a URLconf without the projects app (tests)
        return "/projects/"


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _quote(text: str) -> str:
    """quote_plus, skipped for the codes, dates and names that need no quoting (most of a page's
    links: a dashboard builds a hundred and more)."""
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


def _list_url(params: tuple, base: str | None = None) -> str:
    """A project-list URL with these (key, value) filters, the values strings (what urlencode
    would write)."""
    base = base if base is not None else _list_base()
    if not params:
        return base
    return base + "?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params)


def projects_url(**params) -> str:
    clean = tuple((k, str(v)) for k, v in params.items() if v not in (None, ""))
    return _list_url(clean)


def _measure_params(measure: str, period: Period | None, params: dict) -> tuple | None:
    """The list filters behind a figure of `measure` in `period`; None where the list has none."""
    date_key = DATE_FILTER.get(measure)
    if date_key is None:
        return None
    params = dict(params)
    if period is not None:
        params[f"{date_key}_from"] = period.start.isoformat()
        params[f"{date_key}_to"] = period.end.isoformat()
    if measure == "signed":
        params.setdefault(*SIGNED_CALIBER_FILTER)
    return tuple((k, str(v)) for k, v in params.items() if v not in (None, ""))


def measure_url(measure: str, period: Period | None, *, base: str | None = None, **params):
    """The project list behind a figure; None where the list has no matching filter. A page that
    links many figures passes the list's `base` URL, reversed once."""
    found = _measure_params(measure, period, params)
    return None if found is None else _list_url(found, base)


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


# The dashboard reads with fixed SQL on a plain cursor: the ORM's query building cost more than
# the database took to answer (docs/PERFORMANCE.md). Values are always parameters.
TARGET_FIELDS = ["signed_count", "signed_amount", "new_start_amount", "funds_amount"]
_TARGET_COLS = ", ".join(f"t.{f}" for f in TARGET_FIELDS)
TARGET_TABLE = Target._meta.db_table
# Every region's targets of a year, read once per page: the dashboard's own target and the county
# ranking's are taken from them.
TARGETS_SQL = f"SELECT t.region_id, {_TARGET_COLS} FROM {TARGET_TABLE} t WHERE t.year = %s"  # nosec B608
# The signing caliber rides on the status statement (no extra round trip): one flag per kind, in
# AGREEMENT_KINDS order, all null when the caliber was never set (the default applies).
STATUS_SQL = (
    "SELECT (SELECT refreshed_at FROM rollups_rollupstatus WHERE id = 1), "
    "(SELECT rebuild_requested_at FROM rollups_rollupstatus WHERE id = 1), "
    "(SELECT count(*) FROM rollups_outbox), "
    + ", ".join(
        f"(SELECT counts_{kind} FROM rollups_signingcaliber WHERE id = 1)"  # nosec B608
        for kind in AGREEMENT_KINDS
    )
)
RANKING_COLS = [
    "signed_count",
    "signed_amount",
    "expected_start_amount",
    "started_amount",
    "funds_amount",
    "completed_amount",
]
CHAIN_COLS = ["signed_count", "signed_amount", "started_amount"]


def all_regions() -> list[Region]:
    """Every region (晋中市 and the reporting units) in display order: read once per dashboard
    request, and every part of the page (the ranking, the 亮灯 cards, the link guard) takes its
    regions from this list."""
    return list(Region.objects.order_by("sort_order", "code"))


# The enterprise tiers and the supplier links (本地配套率) in one statement: a row per tier, then
# one row (tier NULL) with the links and the local ones among them.
TIER_SQL = (
    "SELECT tier, count(*), NULL FROM enterprises_enterprise WHERE NOT is_deleted {scope} "
    "GROUP BY tier"
)
SUPPORT_SQL = (
    "SELECT NULL, count(*), count(CASE WHEN l.is_local THEN 1 END) "
    "FROM enterprises_supplierlink l {join}"
)
SUPPORT_JOIN = "JOIN enterprises_enterprise e ON e.id = l.leader_id WHERE e.region_id = %s"
ENTERPRISE_SQL = "{tiers} UNION ALL {support}"


def year_targets(year: int) -> dict[int, dict]:
    """{region id: its targets of the year}, every region's, in one statement."""
    return {
        region_id: dict(zip(TARGET_FIELDS, values, strict=True))
        for region_id, *values in fetch(TARGETS_SQL, [year])
    }


def _target(region: Region | None, targets: dict[int, dict], regions: list[Region]) -> dict | None:
    """The county's own row; for the city its own row (140700), else the counties' sum (None when
    nothing is set)."""
    if region is not None and region.code != CITY_CODE:
        return targets.get(region.pk)
    city = next((r.pk for r in regions if r.code == CITY_CODE), None)
    if city in targets:
        return targets[city]
    total = {}
    for field in TARGET_FIELDS:
        values = [t[field] for t in targets.values() if t[field] is not None]
        total[field] = sum(values) if values else None
    return total if any(total.values()) else None


def rollup_status() -> dict:
    """When the figures were computed, whether a recompute is under way, and the signing caliber
    (口径) the signed figures count under, with its label."""
    as_of, requested, pending, *flags = fetch(STATUS_SQL, [])[0]
    if all(flag is None for flag in flags):
        kinds = DEFAULT_COUNTED_KINDS
    else:
        kinds = tuple(kind for kind, flag in zip(AGREEMENT_KINDS, flags, strict=True) if flag)
    return {
        "as_of": aware(as_of),
        "rebuilding": bool(requested),
        "pending": pending,
        "signed_caliber": kinds,
        "caliber_label": caliber_label(kinds),
    }


# KPI card -> the rollup column of its verified figure.
VERIFIED_BESIDE = {
    "signed_count": "signed_verified_count",
    "signed_amount": "signed_verified_amount",
    "started_amount": "started_verified_amount",
    "funds_amount": "funds_verified_amount",
}


# KPI card -> the project list's `verified` filter behind its verified figure (funds: the
# projects with verified funds months in the period, the list summing those months).
VERIFIED_LIST = {
    "signed_count": "signed",
    "signed_amount": "signed",
    "started_amount": "started",
    "funds_amount": "funds",
}


def dashboard_data(
    *, period: Period, region: Region | None = None, regions: list[Region] | None = None
) -> dict:
    """Everything a city (region None) or county dashboard shows for a period.

    Lean on purpose (its cost must not grow with the data): fixed SQL on the coarse rollup tables
    and small reference tables, grouped by the database: the region's months covering the period
    and its year (totals, year to date and trend are taken from them), the period's ranking by
    region, the by-chain sums, the stage snapshot, the enterprise tiers, the supplier links, the
    target and the refresh status. Eight statements, whatever the size (nine when `regions`, the
    list all_regions() reads, is not passed)."""
    today = timezone.localdate()
    regions = all_regions() if regions is None else regions
    scope = {"region": region.code} if region else {}
    base = _list_base()

    def url(measure: str, per: Period, **params) -> str | None:
        return measure_url(measure, per, base=base, **params)

    in_region = " AND region_id = %s" if region else ""
    region_param = [region.pk] if region else []
    year_start, year_end = dt.date(period.year, 1, 1), dt.date(period.year, 12, 31)
    columns = list(MEASURE_COLUMNS)
    read_from, read_to = min(year_start, period.start), max(year_end, period.end)
    locks, _live = split_months(read_from, read_to)
    in_scope = Reach(region_id=region.pk if region else None)
    months = {
        row[0]: row[1:]
        for row in sums(
            "region_months",
            columns,
            by=["month"],
            start=read_from,
            end=read_to,
            scope=in_scope,
            locks=locks,
        )
    }
    totals = {c: (0 if c.endswith("_count") else ZERO) for c in columns}
    ytd_cols = [
        "signed_count",
        "signed_amount",
        "started_amount",
        "funds_amount",
        "completed_amount",
    ]
    ytd_index = [columns.index(c) for c in ytd_cols]
    ytd = {c: totals[c] for c in ytd_cols}
    for month, values in months.items():
        if period.start <= month <= period.end:
            for i, c in enumerate(columns):
                totals[c] += values[i]
        if year_start <= month <= period.end:
            for i, c in zip(ytd_index, ytd_cols, strict=True):
                ytd[c] += values[i]

    # Year to the end of the period, for completion against the year's target.
    through = min(period.end, today)
    targets = year_targets(period.year)
    target = _target(region, targets, regions)
    elapsed = _elapsed_pct(period.year, through)

    status = rollup_status()

    def kpi(key, label, measure, value, *, money=True, target_key=None, ytd_key=None):
        card = {
            "key": key,
            "label": label,
            "value": value,
            "money": money,
            "figure": measure if measure in MONTHLY_FIGURES else ("amount" if money else "count"),
            "url": url(measure, period, **scope),
            # Every signed figure says what it counts (口径).
            "note": status["caliber_label"] if measure == "signed" else "",
        }
        # Verified beside reported (issue 21): the same measure counting only milestones whose
        # evidence a city verifier accepted (rollups' *_verified columns).
        verified_col = VERIFIED_BESIDE.get(key)
        if verified_col is not None:
            card["verified"] = totals[verified_col]
            # The list behind it: the same figure's list, only verified milestones.
            kind = VERIFIED_LIST.get(key)
            card["verified_url"] = url(measure, period, verified=kind, **scope) if kind else None
        if target and target_key and target.get(target_key):
            card["target"] = target[target_key]
            card["ytd"] = ytd[ytd_key]
            card["completion"] = _pct(ytd[ytd_key], target[target_key])
            card["elapsed"] = elapsed
            card["ytd_url"] = url(measure, period.year_to_date(), **scope)
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
            "completed_amount",
            _("Completed investment"),
            "completed",
            totals["completed_amount"],
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

    ranking = []
    for code, name, *figures in sums(
        "region_months",
        RANKING_COLS,
        by=["region"],
        start=period.start,
        end=period.end,
        locks=locks,
    ):
        if code is None:  # a region no longer in core_region
            continue
        ranking.append(
            {
                "code": code,
                "name": name,
                "is_current": bool(region and code == region.code),
                "dashboard_url": reverse("dashboards:county", args=[code]),
                **{f"{n}_url": url(measure, period, region=code) for n, measure in RANKING_LINKS},
                **dict(zip(RANKING_COLS, figures, strict=True)),
            }
        )
    ranking.sort(key=lambda x: (-x["signed_amount"], -x["signed_count"], x["code"]))

    trend_cols = [
        "signed_count",
        "signed_amount",
        "started_amount",
        "expected_start_amount",
        "funds_amount",
        "completed_amount",
    ]
    trend_index = [columns.index(c) for c in trend_cols]
    trend = []
    for m in range(1, 13):
        start = dt.date(period.year, m, 1)
        values = months.get(start)
        row = {
            c: (values[i] if values else (0 if c.endswith("_count") else ZERO))
            for c, i in zip(trend_cols, trend_index, strict=True)
        }
        month_period = Period.of_month(period.year, m)
        trend.append(
            {
                "label": f"{m}月",
                **row,
                "signed_url": url("signed", month_period, **scope),
            }
        )
    quarters = []
    for q in range(4):
        months = trend[q * 3 : q * 3 + 3]
        quarter = Period.of_quarter(period.year, q + 1)
        quarters.append(
            {
                "label": f"Q{q + 1}",
                "signed_count": sum(m["signed_count"] for m in months),
                "signed_amount": sum((m["signed_amount"] for m in months), ZERO),
                "started_amount": sum((m["started_amount"] for m in months), ZERO),
                "expected_start_amount": sum((m["expected_start_amount"] for m in months), ZERO),
                "funds_amount": sum((m["funds_amount"] for m in months), ZERO),
                "completed_amount": sum((m["completed_amount"] for m in months), ZERO),
                "signed_url": url("signed", quarter, **scope),
                "expected_url": url("expected_start", quarter, **scope),
                "started_url": url("started", quarter, **scope),
                "funds_url": url("funds", quarter, **scope),
                "completed_url": url("completed", quarter, **scope),
            }
        )

    by_chain = []
    for code, name, signed_count, signed_amount, started_amount in sums(
        "chains",
        CHAIN_COLS,
        by=["chain"],
        start=period.start,
        end=period.end,
        scope=in_scope,
        locks=locks,
    ):
        if not (signed_count or started_amount):
            continue
        by_chain.append(
            {
                "name": name if code else _("No chain given"),
                "signed_url": url("signed", period, chain=code, **scope) if code else None,
                "started_url": url("started", period, chain=code, **scope) if code else None,
                "signed_count": signed_count or 0,
                "signed_amount": signed_amount or ZERO,
                "started_amount": started_amount or ZERO,
            }
        )
    by_chain.sort(key=lambda x: -x["signed_amount"])

    stages = stage_sums(in_scope)
    funnel = [
        {
            "stage": stage,
            "name": str(Stage(stage).label),
            "count": stages.get(stage, (0, ZERO))[0] or 0,
            "amount": stages.get(stage, (0, ZERO))[1] or ZERO,
            "url": _list_url((("stage", str(stage)), *scope.items()), base),
        }
        for stage in [*PIPELINE, Stage.DROPPED]
    ]

    tier_counts, total, local = {}, 0, 0
    for tier, n, n_local in fetch(
        ENTERPRISE_SQL.format(
            tiers=TIER_SQL.format(scope=in_region),
            support=SUPPORT_SQL.format(join=SUPPORT_JOIN if region else ""),
        ),
        region_param * 2,
    ):
        if n_local is None:  # a tier's row
            tier_counts[tier] = n
        else:
            total, local = n, n_local
    tiers = [
        {"name": str(Tier(t).label), "count": tier_counts.get(t, 0), "goal": goal}
        for t, goal in TIER_GOALS
    ]
    support = {"total": total, "local": local, "rate": _pct(local, total)}

    return {
        "period": period,
        "region": region,
        "kpis": kpis,
        "totals": totals,
        "target": target,
        "year_targets": targets,
        "regions": regions,
        "elapsed": elapsed,
        "ranking": ranking,
        "trend": trend,
        "quarters": quarters,
        "by_chain": by_chain,
        "funnel": funnel,
        "tiers": tiers,
        "support": support,
        "status": status,
        "caliber_label": status["caliber_label"],
        # The locks the period's figures are read from (shown as "已锁定 于 …"), if all its
        # months are locked.
        "period_locks": [
            lock for lock in locks if period.start <= lock.start and lock.end <= period.end
        ]
        if all(any(lock.start <= m <= lock.end for lock in locks) for m in _months(period))
        else [],
    }


def _months(period: Period) -> list[dt.date]:
    out, month = [], period.start.replace(day=1)
    while month <= period.end:
        out.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def chart_data(data: dict) -> dict:
    """The figures the ECharts script draws, as plain JSON (亿元 floats for display only)."""
    return {
        "ranking": [
            {
                "code": r["code"],
                "name": r["name"],
                "value": _yi(r["signed_amount"]),
                "count": r["signed_count"],
                "url": chart_href(r["signed_url"]),
            }
            for r in data["ranking"]
        ],
        "trend": {
            "labels": [m["label"] for m in data["trend"]],
            "signed": [_yi(m["signed_amount"]) for m in data["trend"]],
            "started": [_yi(m["started_amount"]) for m in data["trend"]],
            "expected": [_yi(m["expected_start_amount"]) for m in data["trend"]],
            "urls": [chart_href(m["signed_url"]) for m in data["trend"]],
        },
        "quarters": {
            "labels": [q["label"] for q in data["quarters"]],
            "signed": [_yi(q["signed_amount"]) for q in data["quarters"]],
            "started": [_yi(q["started_amount"]) for q in data["quarters"]],
            "urls": [chart_href(q["signed_url"]) for q in data["quarters"]],
        },
        "chains": [
            {
                "name": c["name"],
                "value": _yi(c["signed_amount"]),
                "url": chart_href(c["signed_url"]),
            }
            for c in data["by_chain"]
        ],
        "funnel": [
            {"name": f["name"], "value": f["count"], "url": chart_href(f["url"])}
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


# --- County ranking against target (完成进度 vs 时序进度) ---------------------------------------------
RANK_BY = ("completion", "amount")


def county_ranking(*, data: dict, rank_by: str = "completion") -> list[dict]:
    """Every reporting unit (the 11 counties and 晋中开发区, never 晋中市 itself) with the period's
    figures from `data["ranking"]`, its year's signed-investment target, what it signed from 1
    January to the period's end (完成), completion against the target (完成进度) beside the share of
    the year elapsed at that date (时序进度, 100% for a past year), and its rank.

    Ranked by completion (units without a target last), or by the amount signed (`rank_by`).
    One fixed statement (year-to-date sums), whatever the data size: the regions and their targets
    come with `data`."""
    period: Period = data["period"]
    base = _list_base()
    year_start = dt.date(period.year, 1, 1)
    to_date = period.year_to_date()
    targets = {pk: t["signed_amount"] for pk, t in data["year_targets"].items()}
    signed = {
        code: (n or 0, amount or ZERO)
        for code, _name, n, amount in sums(
            "region_months",
            ["signed_count", "signed_amount"],
            by=["region"],
            start=year_start,
            end=period.end,
        )
    }
    by_code = {r["code"]: r for r in data["ranking"]}
    rows = []
    for region in data["regions"]:
        if region.code == CITY_CODE:
            continue
        row = dict(
            by_code.get(region.code)
            or {
                "code": region.code,
                "name": region.name,
                "is_current": bool(data["region"] and data["region"].pk == region.pk),
                "dashboard_url": reverse("dashboards:county", args=[region.code]),
                **{
                    f"{name}_url": measure_url(measure, period, base=base, region=region.code)
                    for name, measure in RANKING_LINKS
                },
                **{c: (0 if c.endswith("_count") else ZERO) for c in RANKING_COLS},
            }
        )
        target = targets.get(region.pk) or None
        ytd_count, ytd_amount = signed.get(region.code, (0, ZERO))
        row.update(
            sort_order=region.sort_order,
            target_amount=target,
            ytd_count=ytd_count,
            ytd_amount=ytd_amount,
            ytd_url=measure_url("signed", to_date, base=base, region=region.code),
            completion=_pct(ytd_amount, target),
            elapsed=data["elapsed"],
        )
        rows.append(row)
    if rank_by == "amount":
        rows.sort(key=lambda r: (-r["ytd_amount"], -r["ytd_count"], r["sort_order"]))
    else:
        rows.sort(
            key=lambda r: (
                r["completion"] is None,
                -(r["completion"] or 0),
                -r["ytd_amount"],
                r["sort_order"],
            )
        )
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["ahead"] = row["completion"] is not None and row["completion"] >= row["elapsed"]
    return rows


# --- Which figures a user may open as a list -------------------------------------------------------
LOCKED = "locked:"  # stands in for a list URL the user may not open (see guard_links)


def _list_region(url: str, base: str) -> str | None:
    """The `region` a project-list URL (the list being at `base`) is narrowed to ("" for the whole
    city); None when the URL is not a project list (an event, a project, a county dashboard)."""
    path, _sep, query = url.partition("?")
    if path != base:
        return None
    found = _REGION_PARAM.search(query)  # the links name each filter once
    return unquote_plus(found.group(1)) if found else ""


_REGION_PARAM = re.compile(r"(?:^|&)region=([^&]*)")


def guard_links(data: dict, user) -> int:
    """Replace every project-list link the user may not open with LOCKED, in place; returns how
    many were replaced.

    County officials and county staff read every region's aggregates but only their own region's
    projects: a list of another region (or of the whole city) would open short of the figure it
    stands behind, so the figure shows as plain text saying why (DESIGN.md, "Where each user
    lands"). City-wide users keep every link."""
    seen = reach(user)
    if seen is not None and seen.region_id is None:
        return 0
    region_id = seen.region_id if seen is not None else None
    if "regions" in data:  # the page's regions, read once
        own = next((r.code for r in data["regions"] if r.pk == region_id), None)
    else:
        own = Region.objects.filter(pk=region_id).values_list("code", flat=True).first()
    base = _list_base()

    locked = 0

    def guard(item: dict) -> None:
        nonlocal locked
        for key, value in item.items():
            if key.endswith("url") and isinstance(value, str) and value != LOCKED:
                region = _list_region(value, base)
                if region is not None and (own is None or region != own):
                    item[key] = LOCKED
                    locked += 1

    for key in (
        "kpis",
        "ranking",
        "county_ranking",
        "trend",
        "quarters",
        "by_chain",
        "funnel",
        "light_cards",
    ):
        for item in data.get(key) or []:
            guard(item)
    if isinstance(data.get("top_projects"), dict):
        guard(data["top_projects"])
    return locked


def chart_href(url: str | None) -> str | None:
    """A chart bar's click target: nothing for a figure the user may not open."""
    return None if url in (None, LOCKED) else url
