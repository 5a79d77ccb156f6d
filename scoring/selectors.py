"""Reads of the county assessment: the scheme in force, a period's scores (published, or computed
now from the rollups), and the what-if recomputation with other weights (never saved)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import Region
from core.periods import Period
from lights.selectors import history_day

from .indicators import (
    Figures,
    PeriodFigures,
    bands_between,
    region_figures,
    scored_regions_with_targets,
)
from .models import Indicator, Publication, ScoringScheme
from .periods import period_key, target_share

ZERO = Decimal(0)
CENT = Decimal("0.01")
START_RATE = Indicator.START_RATE.value
# Which target field an indicator is measured against (None: a share already).
TARGET_FIELD = {
    Indicator.SIGNED_AMOUNT: "signed_amount",
    Indicator.SIGNED_COUNT: "signed_count",
    Indicator.START_RATE: None,
    Indicator.FUNDS: "funds_amount",
    Indicator.COMPLETED: "completed_amount",
    Indicator.OUT_OF_PROVINCE_AMOUNT: "out_of_province_amount",
    Indicator.OUT_OF_PROVINCE_COUNT: "out_of_province_count",
    Indicator.FOREIGN_AMOUNT: "foreign_amount",
    Indicator.FOREIGN_COUNT: "foreign_count",
}
# Which figure an indicator reads.
ACTUAL = {
    Indicator.SIGNED_AMOUNT: "signed_amount",
    Indicator.SIGNED_COUNT: "signed_count",
    Indicator.FUNDS: "funds_amount",
    Indicator.COMPLETED: "completed_amount",
    Indicator.OUT_OF_PROVINCE_AMOUNT: "oop_amount",
    Indicator.OUT_OF_PROVINCE_COUNT: "oop_count",
    Indicator.FOREIGN_AMOUNT: "foreign_amount",
    Indicator.FOREIGN_COUNT: "foreign_count",
}


def scheme_in_force(year: int) -> ScoringScheme | None:
    """The latest scheme version in force for the year (year_from not after it)."""
    return ScoringScheme.objects.filter(year_from__lte=year).order_by("-version").first()


def scheme_versions():
    return ScoringScheme.objects.select_related("created_by").order_by("-version")


def publication_for(period: Period) -> Publication | None:
    return (
        Publication.objects.filter(year=period.year, period=period_key(period))
        .select_related("scheme", "published_by")
        .first()
    )


@dataclass(frozen=True)
class SchemeValues:
    """A scheme's numbers as Decimals: the stored version's, or a what-if copy with other weights."""

    indicators: list[tuple[str, Decimal, Decimal]]  # (key, weight, cap)
    buckets: list[tuple[Decimal, Decimal | None, Decimal]]  # (low 亿, high 亿 or None, points)
    bucket_cap: Decimal
    red_light_deduction: Decimal
    returned_false_deduction: Decimal
    black_list_gap: Decimal = Decimal(20)
    black_list_no_signing: bool = True

    @cached_property
    def bucket_bands(self) -> list[tuple[str, list[str], Decimal]]:
        """(label, the size bands it is the union of, points each) per bucket: worked out once
        per scoring, not once per region (Figures.count_between says the same)."""
        return [
            (_bucket_label(low, high), bands_between(low, high), each)
            for low, high, each in self.buckets
        ]

    @classmethod
    def of(cls, scheme: ScoringScheme, weights: dict[str, Decimal] | None = None) -> SchemeValues:
        weights = weights or {}
        return cls(
            indicators=[
                (i["key"], weights.get(i["key"], Decimal(i["weight"])), Decimal(i["cap"]))
                for i in scheme.indicators
            ],
            buckets=[
                (
                    Decimal(b["low"]),
                    None if b["high"] is None else Decimal(b["high"]),
                    Decimal(b["points"]),
                )
                for b in scheme.buckets
            ],
            bucket_cap=scheme.bucket_cap,
            red_light_deduction=scheme.red_light_deduction,
            returned_false_deduction=scheme.returned_false_deduction,
            black_list_gap=scheme.black_list_gap,
            black_list_no_signing=scheme.black_list_no_signing,
        )


@dataclass
class Cell:
    key: str
    label: str
    actual: Decimal | int | None  # the figure (万元, a count, or a share 0..1)
    target: Decimal | None  # the prorated target (None: none set / not a ratio)
    ratio: Decimal | None
    points: Decimal
    url: str = ""

    @property
    def display(self) -> str:
        """The figure as the page shows it: 亿元 with 2 decimals, a count, or a percentage."""
        if self.actual is None:
            return "—"
        if self.key == Indicator.START_RATE:
            return f"{(Decimal(self.actual) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
        if self.key in (
            Indicator.SIGNED_COUNT,
            Indicator.OUT_OF_PROVINCE_COUNT,
            Indicator.FOREIGN_COUNT,
        ):
            return str(int(self.actual))
        return f"{(Decimal(self.actual) / 10000).quantize(CENT, ROUND_HALF_UP)}亿"

    @property
    def ratio_display(self) -> str:
        """The figure against its prorated target, as a percentage ("" for the start rate, a
        share already, and where no target is set)."""
        if self.key == Indicator.START_RATE or self.ratio is None:
            return ""
        return f"{(self.ratio * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"

    @property
    def points_display(self) -> str:
        return f"{self.points.quantize(CENT, ROUND_HALF_UP)}"


@dataclass
class ScoreRow:
    region_id: int
    code: str
    name: str
    cells: list[Cell]
    bucket_counts: list[tuple[str, int, Decimal]]  # (label, count, points)
    bucket_points: Decimal
    red_lights: int
    red_light_points: Decimal
    returned_false: int
    returned_false_points: Decimal
    total: Decimal
    rank: int = 0
    links: dict[str, str] = field(default_factory=dict)
    # Signed projects of 亿元+ / 5亿+ / 10亿+ (not scored; shown beside the buckets):
    # (label, count, link to the list behind it).
    size_counts: list[tuple[str, int, str]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "region_id": self.region_id,
            "code": self.code,
            "name": self.name,
            "cells": [
                {
                    "key": c.key,
                    "actual": None if c.actual is None else str(c.actual),
                    "target": None if c.target is None else str(c.target),
                    "ratio": None if c.ratio is None else str(c.ratio),
                    "points": str(c.points),
                }
                for c in self.cells
            ],
            "bucket_counts": [[label, n, str(p)] for label, n, p in self.bucket_counts],
            "bucket_points": str(self.bucket_points),
            "red_lights": self.red_lights,
            "red_light_points": str(self.red_light_points),
            "returned_false": self.returned_false,
            "returned_false_points": str(self.returned_false_points),
            "total": str(self.total),
            "rank": self.rank,
            "size_counts": [[label, n] for label, n, _url in self.size_counts],
        }


def _bucket_label(low: Decimal, high: Decimal | None) -> str:
    if high is None:
        return f"≥{low.normalize():f}亿"
    return f"{low.normalize():f}–{high.normalize():f}亿"


def score_one(
    values: SchemeValues, figures: Figures, target, share: Decimal, labels: dict | None = None
) -> tuple:
    """(cells, bucket counts, bucket points, red points, returned points, total) for one region.
    Unrounded points add up; the total is rounded to 0.01 at the end (the reference case's
    13.333… start-rate points make 98.83, not 98.84). `labels`: the indicators' labels, when the
    caller scores many regions."""
    labels = labels or dict(Indicator.choices)
    cells, total = [], ZERO
    for key, weight, cap in values.indicators:
        if key == START_RATE:
            rate = figures.start_rate
            ratio = None if rate is None else min(rate, cap)
            points = ZERO if ratio is None else weight * ratio
            cells.append(Cell(key, labels[key], rate, None, rate, points))
        else:
            actual = getattr(figures, ACTUAL[key])
            goal = getattr(target, TARGET_FIELD[key], None) if target is not None else None
            prorated = None if not goal else Decimal(goal) * share
            ratio = None if not prorated else Decimal(actual) / prorated
            points = ZERO if ratio is None else weight * min(ratio, cap)
            cells.append(Cell(key, labels[key], actual, prorated, ratio, points))
        total += points
    bucket_counts, bucket_points = [], ZERO
    for label, bands, each in values.bucket_bands:
        n = sum(figures.bands[band] for band in bands)
        bucket_counts.append((label, n, each * n))
        bucket_points += each * n
    bucket_points = min(bucket_points, values.bucket_cap)
    red = values.red_light_deduction * figures.red_lights
    returned = values.returned_false_deduction * figures.returned_false
    total = (total + bucket_points - red - returned).quantize(CENT, rounding=ROUND_HALF_UP)
    return cells, bucket_counts, bucket_points, red, returned, total


def rank_rows(rows: list[ScoreRow]) -> list[ScoreRow]:
    """Ranks by total, highest first; equal totals share a rank (1, 2, 2, 4), listed in the
    regions' own order."""
    ordered = sorted(rows, key=lambda r: -r.total)
    for i, row in enumerate(ordered):
        row.rank = ordered[i - 1].rank if i and row.total == ordered[i - 1].total else i + 1
    return ordered


@dataclass
class ScoreTable:
    period: Period
    scheme: ScoringScheme | None
    rows: list[ScoreRow]
    city: Figures | None = None
    published: Publication | None = None
    what_if: bool = False


def projects_link(region_code: str, period: Period, **extra) -> str:
    """The project list behind a figure, with the list's own filters (its FilterSet)."""
    return _link(reverse("projects:list"), region_code, _query(**extra))


def _query(**extra) -> str:
    return urlencode({k: v for k, v in extra.items() if v not in (None, "")})


def _link(base: str, region_code: str, query: str) -> str:
    region = urlencode({"region": region_code})
    return f"{base}?{region}&{query}" if query else f"{base}?{region}"


def _signed(period: Period) -> dict:
    """Signed from 1 January to the period's end (the assessment's figures are cumulative)."""
    days = period.year_to_date()
    return {
        "signed_from": days.start.isoformat(),
        "signed_to": days.end.isoformat(),
        "counts_as_signed": "true",
    }


def link_queries(period: Period) -> dict[str, str]:
    """Each cell's list filters for the period (the region is added per row): encoded once per
    period, not once per county and cell. The figures are cumulative: from 1 January."""
    signed, days = _signed(period), period.year_to_date()
    return {
        Indicator.SIGNED_AMOUNT: _query(**signed),
        Indicator.SIGNED_COUNT: _query(**signed),
        Indicator.START_RATE: _query(**signed, has_started="true"),
        # Funds and completed investment are monthly records: the list's month filters select
        # the projects with records in the period and total those months.
        Indicator.FUNDS: _query(funds_from=days.start.isoformat(), funds_to=days.end.isoformat()),
        Indicator.COMPLETED: _query(
            completed_from=days.start.isoformat(), completed_to=days.end.isoformat()
        ),
        Indicator.OUT_OF_PROVINCE_AMOUNT: _query(**signed, out_of_province="true", foreign="false"),
        Indicator.OUT_OF_PROVINCE_COUNT: _query(**signed, out_of_province="true", foreign="false"),
        Indicator.FOREIGN_AMOUNT: _query(**signed, foreign="true"),
        Indicator.FOREIGN_COUNT: _query(**signed, foreign="true"),
        # The projects red at the period's end, as the light history has them (the deduction's count).
        "red": _query(light="red", light_on=history_day(days.end).isoformat()),
        # The evidence records returned as false with their claimed date in the period.
        "returned": _query(
            returned_false_from=days.start.isoformat(), returned_false_to=days.end.isoformat()
        ),
    }


def cell_links(code: str, period: Period) -> dict[str, str]:
    base = reverse("projects:list")
    return {key: _link(base, code, query) for key, query in link_queries(period).items()}


def bucket_query(period: Period, low: Decimal, high: Decimal | None) -> str:
    return _query(
        **_signed(period),
        amount_min=f"{(low * 10000).normalize():f}",
        amount_below=None if high is None else f"{(high * 10000).normalize():f}",
    )


# The size counts the scores show per county (issue #22: 亿元+ / 5亿+ / 10亿+), in 亿元.
SIZE_STEPS = ((1, "亿元+"), (5, "5亿+"), (10, "10亿+"))


def size_counts(figures: Figures, prefix: str, queries: list[str]) -> list[tuple[str, int, str]]:
    """A region's 亿元+ / 5亿+ / 10亿+ signed counts from its rollup bands, with their links."""
    return [
        (label, figures.count_at_least(yi), f"{prefix}&{query}")
        for (yi, label), query in zip(SIZE_STEPS, queries, strict=True)
    ]


def bucket_link(code: str, period: Period, low: Decimal, high: Decimal | None) -> str:
    return _link(reverse("projects:list"), code, bucket_query(period, low, high))


def compute_scores(
    period: Period,
    *,
    scheme: ScoringScheme | None = None,
    weights: dict[str, Decimal] | None = None,
    figures: PeriodFigures | None = None,
) -> ScoreTable:
    """Every reporting unit's scores for the period under `scheme` (default: the one in force),
    computed now from the rollups; `weights` overrides indicator weights (what-if)."""
    scheme = scheme or scheme_in_force(period.year)
    regions, targets = scored_regions_with_targets(period.year)
    figures = figures or region_figures(period, regions=regions)
    if scheme is None:
        return ScoreTable(period, None, [], city=figures.city)
    values = SchemeValues.of(scheme, weights)
    base, queries = reverse("projects:list"), link_queries(period)
    bucket_queries = [bucket_query(period, low, high) for low, high, _p in values.buckets]
    size_queries = [bucket_query(period, Decimal(yi), None) for yi, _label in SIZE_STEPS]
    labels, share = dict(Indicator.choices), target_share(period)
    rows = []
    for region in regions:
        one = figures.regions[region.pk]
        cells, buckets, bucket_pts, red, returned, total = score_one(
            values, one, targets.get(region.pk), share, labels
        )
        # The region's filter is encoded once per row; each cell's query once per period.
        prefix = f"{base}?{urlencode({'region': region.code})}"
        links = {key: f"{prefix}&{query}" if query else prefix for key, query in queries.items()}
        for cell in cells:
            cell.url = links.get(cell.key, "")
        rows.append(
            ScoreRow(
                region_id=region.pk,
                code=region.code,
                name=region.name,
                cells=cells,
                bucket_counts=buckets,
                bucket_points=bucket_pts,
                red_lights=one.red_lights,
                red_light_points=red,
                returned_false=one.returned_false,
                returned_false_points=returned,
                total=total,
                links={
                    "red": links["red"],
                    "returned": links["returned"],
                    "buckets": [f"{prefix}&{q}" if q else prefix for q in bucket_queries],
                },
                size_counts=size_counts(one, prefix, size_queries),
            )
        )
    return ScoreTable(period, scheme, rank_rows(rows), city=figures.city, what_if=bool(weights))


def published_scores(period: Period) -> ScoreTable | None:
    """The period's scores as published (their own scheme version), or None."""
    publication = publication_for(period)
    if publication is None:
        return None
    labels = dict(Indicator.choices)
    regions = {r.pk: r for r in Region.objects.all()}
    rows = []
    for item in publication.rows:
        links = cell_links(item["code"], period)
        values = SchemeValues.of(publication.scheme)
        cells = [
            Cell(
                c["key"],
                labels.get(c["key"], c["key"]),
                None if c["actual"] is None else Decimal(c["actual"]),
                None if c["target"] is None else Decimal(c["target"]),
                None if c["ratio"] is None else Decimal(c["ratio"]),
                Decimal(c["points"]),
                links.get(c["key"], ""),
            )
            for c in item["cells"]
        ]
        region = regions.get(item["region_id"])
        rows.append(
            ScoreRow(
                region_id=item["region_id"],
                code=item["code"],
                name=region.name if region else item["name"],
                cells=cells,
                bucket_counts=[(b[0], b[1], Decimal(b[2])) for b in item["bucket_counts"]],
                bucket_points=Decimal(item["bucket_points"]),
                red_lights=item["red_lights"],
                red_light_points=Decimal(item["red_light_points"]),
                returned_false=item["returned_false"],
                returned_false_points=Decimal(item["returned_false_points"]),
                total=Decimal(item["total"]),
                rank=item["rank"],
                links={
                    "red": links["red"],
                    "returned": links["returned"],
                    "buckets": [
                        bucket_link(item["code"], period, low, high)
                        for low, high, _p in values.buckets
                    ],
                },
                # Published before the size counts were kept: none shown.
                size_counts=[
                    (label, n, bucket_link(item["code"], period, Decimal(yi), None))
                    for (label, n), (yi, _label) in zip(
                        item.get("size_counts", []), SIZE_STEPS, strict=False
                    )
                ],
            )
        )
    rows.sort(key=lambda r: (r.rank, r.code))
    return ScoreTable(period, publication.scheme, rows, published=publication)


def parse_weights(params, scheme: ScoringScheme) -> tuple[dict[str, Decimal], list[str]]:
    """What-if weights from the query (w_<indicator>=…), with messages for refused values; the
    scheme's rule on the weights' sum applies to the what-if too."""
    weights, errors = {}, []
    labels = dict(Indicator.choices)
    for item in scheme.indicators:
        raw = (params.get(f"w_{item['key']}") or "").strip()
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite() or value < 0:
            errors.append(
                _("The weight of “%(name)s” must be a number not below 0.")
                % {"name": labels.get(item["key"], item["key"])}
            )
            continue
        if value != Decimal(item["weight"]):
            weights[item["key"]] = value
    if scheme.weights_at_most_100 and weights:
        total = sum((weights.get(i["key"], Decimal(i["weight"])) for i in scheme.indicators), ZERO)
        if total > 100:
            errors.append(
                _("The weights add up to %(total)s, more than 100.")
                % {"total": f"{total.normalize():f}"}
            )
            weights = {}
    return weights, errors
