"""Demo targets (目标任务) for 2023 and the current year, for the city and every reporting unit,
so the leader's completion view (完成进度 vs 时序进度) is filled on the first `make run`.

The city's figures are set first; each county's is its share of the city's, so the counties add
up to the city. 2023's signed-investment target (600亿元) is above what the demo signed that year
(about 478亿元, the article's Q1 included): a plausible year, not one met in the first quarter.
A target someone has already set (on the targets page) is left as it is.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from core.models import Region
from targets.models import Target
from targets.services import target_set

CITY_CODE = "140700"
WAN_PER_YI = Decimal(10000)

# The city's targets per year: signed projects, and signed / new-start / funds in place in 亿元.
CITY_TARGETS = {
    2023: (80, Decimal(600), Decimal(400), Decimal(60)),
}
# The assessment's optional measures for 2023, city-wide (省外 count and 亿元, 外资 count and 亿元,
# completed investment); a county's is its share, as above.
CITY_ASSESSMENT_TARGETS = {2023: (50, Decimal(400), 5, Decimal(20), Decimal(300))}
# Any other current year (the demo's later years sign about 25 projects, 100-150亿元, a year).
CURRENT_YEAR_TARGETS = (30, Decimal(150), Decimal(100), Decimal(60))

# Each reporting unit's share of the city's targets, in percent (they add up to 100).
SHARES = {
    "140702": 14,  # 榆次区
    "140703": 9,  # 太谷区
    "140721": 4,  # 榆社县
    "140722": 4,  # 左权县
    "140723": 4,  # 和顺县
    "140724": 5,  # 昔阳县
    "140725": 10,  # 寿阳县
    "140727": 7,  # 祁县
    "140728": 6,  # 平遥县
    "140729": 6,  # 灵石县
    "140781": 16,  # 介休市
    "JZKFQ": 15,  # 晋中开发区 (reports on its own)
}


def demo_target_years(today=None) -> list[int]:
    """2023 (the article's year) and the current year on the Shanghai calendar."""
    year = (today or timezone.localdate()).year
    return sorted({2023, year})


def _figures(year: int, share: int | None) -> dict:
    count, signed, new_start, funds = CITY_TARGETS.get(year, CURRENT_YEAR_TARGETS)
    ratio = Decimal(100 if share is None else share) / 100
    return {
        "signed_count": max(1, round(count * ratio)),
        "signed_amount": signed * ratio * WAN_PER_YI,
        "new_start_amount": new_start * ratio * WAN_PER_YI,
        "funds_amount": funds * ratio * WAN_PER_YI,
        **_assessment(year, ratio),
    }


def _assessment(year: int, ratio: Decimal) -> dict:
    figures = CITY_ASSESSMENT_TARGETS.get(year)
    if figures is None:
        return {}
    count, oop, foreign_count, foreign, completed = figures
    return {
        "out_of_province_count": max(1, round(count * ratio)),
        "out_of_province_amount": oop * ratio * WAN_PER_YI,
        "foreign_count": max(1, round(foreign_count * ratio)),
        "foreign_amount": foreign * ratio * WAN_PER_YI,
        "completed_amount": completed * ratio * WAN_PER_YI,
    }


def load_targets_demo(today=None) -> int:
    """Set the demo years' targets where none is set yet; returns how many were created."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[CITY_CODE, *SHARES])}
    created = 0
    for year in demo_target_years(today):
        have = set(Target.objects.filter(year=year).values_list("region__code", flat=True))
        for code in [CITY_CODE, *SHARES]:
            if code in have or code not in regions:
                continue
            target_set(
                by=None,
                region=regions[code],
                year=year,
                **_figures(year, SHARES.get(code)),
            )
            created += 1
    return created
