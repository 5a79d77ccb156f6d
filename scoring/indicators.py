"""The official indicators (考评指标) per region and period, read from the rollups (never by
scanning projects) and the targets: signed count and amount, all / 省外 / 外资; the start rate
(开工率) of the projects signed in the period; funds in place; completed investment; expected
new-start investment; size bands; and the deductions' counts.

Callers pass the period; everything here is one query on the fine rollup cells, one on the
targets and one on the lights."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.models import Region
from lights.selectors import red_light_counts
from rollups.locks import split_months
from rollups.models import SIZE_BANDS, MonthlyRollup
from targets.models import Target

from .periods import ScorePeriod

ZERO = Decimal(0)
# 省外 (DESIGN.md, caliber): an investor from elsewhere in China; a foreign (境外) project is
# counted under 外资 only, even where its out-of-province flag is set too.
OUT_OF_PROVINCE = Q(is_out_of_province=True, is_foreign=False)
FOREIGN = Q(is_foreign=True)
BAND_MEASURES = list(SIZE_BANDS)


@dataclass
class Figures:
    """One region's figures for a period (amounts in 万元)."""

    signed_count: int = 0
    signed_amount: Decimal = ZERO
    oop_count: int = 0
    oop_amount: Decimal = ZERO
    foreign_count: int = 0
    foreign_amount: Decimal = ZERO
    signed_started_count: int = 0
    expected_start_amount: Decimal = ZERO
    funds_amount: Decimal = ZERO
    completed_amount: Decimal = ZERO
    bands: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BAND_MEASURES, 0))
    red_lights: int = 0
    returned_false: int = 0

    @property
    def start_rate(self) -> Decimal | None:
        """开工率: of the projects signed in the period, the share started since (None: none
        signed)."""
        if not self.signed_count:
            return None
        return Decimal(self.signed_started_count) / Decimal(self.signed_count)

    def count_at_least(self, yi: int) -> int:
        """Signed projects of at least `yi` 亿元 (亿元+ / 5亿+ / 10亿+), from the bands."""
        return sum(n for m, n in self.bands.items() if SIZE_BANDS[m][0] >= yi * 10000)

    def count_between(self, low_yi: Decimal, high_yi: Decimal | None) -> int:
        """Signed projects in [low, high) 亿元; the bounds lie on the bands' edges."""
        low, high = low_yi * 10000, (None if high_yi is None else high_yi * 10000)
        return sum(
            n
            for m, n in self.bands.items()
            if SIZE_BANDS[m][0] >= low
            and (high is None or (SIZE_BANDS[m][1] is not None and SIZE_BANDS[m][1] <= high))
        )

    def add(self, other: Figures) -> None:
        for name in (
            "signed_count",
            "signed_amount",
            "oop_count",
            "oop_amount",
            "foreign_count",
            "foreign_amount",
            "signed_started_count",
            "expected_start_amount",
            "funds_amount",
            "completed_amount",
            "red_lights",
            "returned_false",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for band, n in other.bands.items():
            self.bands[band] += n


def returned_as_false_counts(period: ScorePeriod) -> dict[int, int]:
    """{region id: evidence records returned as false (核实为虚假) whose milestone falls in the
        period's months}: a verifier's mark on a return (verification.MilestoneClaim.found_false). It
    stays through a resubmission and is cleared only when the claim is verified."""
    from verification.models import MilestoneClaim

    rows = (
        MilestoneClaim.objects.filter(
            found_false=True,
            claimed_on__gte=period.start,
            claimed_on__lte=period.end,
            project__is_deleted=False,
        )
        .order_by()
        .values("project__region_id")
        .annotate(n=Count("id"))
    )
    return {row["project__region_id"]: row["n"] for row in rows}


def scored_regions() -> list[Region]:
    """The reporting units ranked: every county and development zone, never the city itself."""
    return list(Region.objects.exclude(kind=Region.Kind.CITY).order_by("sort_order", "code"))


def region_figures(period: ScorePeriod) -> PeriodFigures:
    """Figures for every reporting unit and the whole city, from the fine rollup cells of the period's
    months (the origin flags are part of the cell key)."""
    sums = {
        "signed_count": Sum("signed_count"),
        "signed_amount": Sum("signed_amount"),
        "oop_count": Sum("signed_count", filter=OUT_OF_PROVINCE),
        "oop_amount": Sum("signed_amount", filter=OUT_OF_PROVINCE),
        "foreign_count": Sum("signed_count", filter=FOREIGN),
        "foreign_amount": Sum("signed_amount", filter=FOREIGN),
        "signed_started_count": Sum("signed_started_count"),
        "expected_start_amount": Sum("expected_start_amount"),
        "funds_amount": Sum("funds_amount"),
        "completed_amount": Sum("completed_amount"),
        **{f"{band}_count": Sum(f"{band}_count") for band in BAND_MEASURES},
    }
    # A locked period's months come from its snapshot (rollups.locks), so a 通报 of a locked
    # period says the same every time it is generated; other months from the live cells.
    inside, live_ranges = split_months(period.start, period.end)
    sources = [lock.cells.all() for lock in inside] + [
        MonthlyRollup.objects.filter(month__gte=start, month__lte=end) for start, end in live_ranges
    ]
    rows = _summed_by_region(
        qs.order_by().values("region_id").annotate(**{f"t_{n}": v for n, v in sums.items()})
        for qs in sources
    )
    red = red_light_counts(period.end)
    returned = returned_as_false_counts(period)
    out: dict[int, Figures] = {}
    for region in scored_regions():
        out[region.pk] = Figures(
            red_lights=red.get(region.pk, 0), returned_false=returned.get(region.pk, 0)
        )
    city = Figures(red_lights=sum(red.values()), returned_false=sum(returned.values()))
    for row in rows:
        figures = out.get(row["region_id"])
        if figures is None:  # the city's own projects, if any: in the city's total, not ranked
            figures = Figures()
        for name in sums:
            value = row[f"t_{name}"] or 0
            if name.startswith("signed_band_"):
                figures.bands[name.removesuffix("_count")] = value
            else:
                setattr(figures, name, value)
        red_lights, returned_false = figures.red_lights, figures.returned_false
        figures.red_lights = figures.returned_false = 0
        city.add(figures)
        figures.red_lights, figures.returned_false = red_lights, returned_false
    return PeriodFigures(regions=out, city=city)


def _summed_by_region(parts) -> list[dict]:
    """Rows of several sources (snapshot and live months) summed per region."""
    out: dict = {}
    for part in parts:
        for row in part:
            target = out.setdefault(row["region_id"], {"region_id": row["region_id"]})
            for key, value in row.items():
                if key != "region_id":
                    target[key] = (target.get(key) or 0) + (value or 0)
    return list(out.values())


@dataclass
class PeriodFigures:
    regions: dict[int, Figures]  # every reporting unit, figures or not
    city: Figures  # the whole city, the city's own projects included


def targets_for(year: int) -> dict[int, Target]:
    return {t.region_id: t for t in Target.objects.filter(year=year)}
