"""The assessment's periods: a year, a quarter or a month of a year (`?year=&period=`), with the
Chinese names the 通报 uses. (dashboards.periods is above this app: scoring may not import it.)

A period's figures are cumulative from the first of January to the period's end (累计, as the
city's assessments and 通报 count them), measured against the year's target prorated to the
months elapsed, which is also the time-elapsed progress (时序进度): Q2 is 1–6月 against half the
year's target."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

QUARTER_WORDS = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
KEYS = ["year", "q1", "q2", "q3", "q4"] + [f"m{m}" for m in range(1, 13)]


@dataclass(frozen=True)
class ScorePeriod:
    year: int
    key: str  # "year", "q1".."q4", "m1".."m12"

    @property
    def first_month(self) -> int:
        if self.key.startswith("q"):
            return (int(self.key[1]) - 1) * 3 + 1
        if self.key.startswith("m"):
            return int(self.key[1:])
        return 1

    @property
    def last_month(self) -> int:
        if self.key.startswith("q"):
            return int(self.key[1]) * 3
        if self.key.startswith("m"):
            return int(self.key[1:])
        return 12

    @property
    def start(self) -> dt.date:
        """The first day the figures count from: 1 January (cumulative)."""
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        month = self.last_month
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def target_share(self) -> Decimal:
        """The share of the year's target the period is measured against (months elapsed / 12)."""
        return Decimal(self.last_month) / Decimal(12)

    @property
    def elapsed_pct(self) -> Decimal:
        """时序进度 at the period's end, by months (Q1 = 25%), as the city's 通报 count it."""
        return (Decimal(self.last_month) * 100 / Decimal(12)).quantize(Decimal("0.1"))

    @property
    def span(self) -> str:
        """1–3月 / 1–12月: the months the cumulative figures cover."""
        return f"1—{self.last_month}月" if self.last_month > 1 else "1月"

    @property
    def word(self) -> str:
        """一季度 / 3月 / 全年: how the 通报 names the period."""
        if self.key.startswith("q"):
            return QUARTER_WORDS[int(self.key[1])]
        if self.key.startswith("m"):
            return f"{int(self.key[1:])}月"
        return "全年"

    @property
    def label(self) -> str:
        if self.key.startswith("q"):
            return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.key[1]}
        if self.key.startswith("m"):
            return _("%(year)s-%(month)02d") % {"year": self.year, "month": int(self.key[1:])}
        return str(self.year)

    def previous(self) -> ScorePeriod:
        """The period before, of the same kind (Q1's is the year before's Q4)."""
        if self.key.startswith("q"):
            q = int(self.key[1])
            return (
                ScorePeriod(self.year, f"q{q - 1}") if q > 1 else ScorePeriod(self.year - 1, "q4")
            )
        if self.key.startswith("m"):
            m = int(self.key[1:])
            return (
                ScorePeriod(self.year, f"m{m - 1}") if m > 1 else ScorePeriod(self.year - 1, "m12")
            )
        return ScorePeriod(self.year - 1, "year")

    def query(self) -> dict[str, str]:
        return {"year": str(self.year), "period": self.key}


def parse_score_period(params, *, default_year: int) -> ScorePeriod:
    """Read ?year=&period=; anything invalid falls back (a shared link with a typo still opens)."""
    try:
        year = int(params.get("year") or default_year)
    except ValueError:
        year = default_year
    if not 1990 <= year <= 2100:
        year = default_year
    key = (params.get("period") or "year").strip().lower()
    return ScorePeriod(year, key if key in KEYS else "year")


def period_choices() -> list[tuple[str, str]]:
    return (
        [("year", _("Whole year"))]
        + [(f"q{q}", _("Q%(quarter)s") % {"quarter": q}) for q in range(1, 5)]
        + [(f"m{m}", _("Month %(month)s") % {"month": m}) for m in range(1, 13)]
    )
