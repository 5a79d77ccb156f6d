"""The assessment's periods (考评期间): a year, a quarter or a month of a year, each a
core.periods.Period, named in the URLs and forms by `?year=&period=` with the keys year / q1..q4 /
m1..m12 (`assessment_period` and `period_key` turn one into the other; `parse_assessment_period`
reads a request, `period_query` writes its parameters back).

What a period means to the assessment: its figures are cumulative from 1 January to the period's
end (累计, as the city's assessments and 通报 count them: `period.year_to_date()`), measured
against the year's target prorated to the months elapsed (`target_share`), which is also the
time-elapsed progress (时序进度, `elapsed_pct`): Q2 is 1–6月 against half the year's target.
`span` and `word` are the 通报's names for the period (1—6月, 二季度)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core.periods import Period

QUARTER_WORDS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
KEYS = ["year", "q1", "q2", "q3", "q4"] + [f"m{m}" for m in range(1, 13)]


def assessment_period(year: int, key: str) -> Period:
    """The period a key names in a year: "year", "q1".."q4" or "m1".."m12"."""
    if key not in KEYS:
        raise ValueError(f"Not an assessment period: {key!r}")
    if key.startswith("q"):
        return Period.of_quarter(year, int(key[1:]))
    if key.startswith("m"):
        return Period.of_month(year, int(key[1:]))
    return Period.of_year(year)


def period_key(period: Period) -> str:
    """The key of a year, a quarter or a month (the inverse of `assessment_period`)."""
    if period.kind == "quarter":
        return f"q{period.quarter}"
    if period.kind == "month":
        return f"m{period.start.month}"
    if period.kind == "year":
        return "year"
    raise ValueError("The assessment has no ranges.")


def period_query(period: Period) -> dict[str, str]:
    """The URL parameters that select the period again."""
    return {"year": str(period.year), "period": period_key(period)}


def parse_assessment_period(params, *, default_year: int) -> Period:
    """Read ?year=&period=; anything invalid falls back (a shared link with a typo still opens)."""
    try:
        year = int(params.get("year") or default_year)
    except ValueError:
        year = default_year
    if not 1990 <= year <= 2100:
        year = default_year
    key = (params.get("period") or "year").strip().lower()
    return assessment_period(year, key if key in KEYS else "year")


def target_share(period: Period) -> Decimal:
    """The share of the year's target the period is measured against (months elapsed / 12)."""
    return Decimal(period.end.month) / Decimal(12)


def elapsed_pct(period: Period) -> Decimal:
    """时序进度 at the period's end, by months (Q1 = 25%), as the city's 通报 count it."""
    return (Decimal(period.end.month) * 100 / Decimal(12)).quantize(Decimal("0.1"))


def span(period: Period) -> str:
    """1—3月 / 1—12月: the months the cumulative figures cover."""
    return f"1—{period.end.month}月" if period.end.month > 1 else "1月"


def word(period: Period) -> str:
    """一季度 / 3月 / 全年: how the 通报 names the period."""
    if period.kind == "quarter":
        return QUARTER_WORDS[period.quarter]
    if period.kind == "month":
        return f"{period.start.month}月"
    return "全年"


def period_choices() -> list[tuple[str, str]]:
    return (
        [("year", _("Whole year"))]
        + [(f"q{q}", _("Q%(quarter)s") % {"quarter": q}) for q in range(1, 5)]
        + [(f"m{m}", _("Month %(month)s") % {"month": m}) for m in range(1, 13)]
    )
