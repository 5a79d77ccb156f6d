"""The one period of the product: a span of days, both ends inclusive.

A period is a year, a quarter or a month of a year (`Period.of_year`, `of_quarter`, `of_month`),
or a range: the dashboards' custom range of whole months, the rollups API's from / to that may
cut a month or leave an end open (None), the year to date of a figure counted from 1 January
(`year_to_date`). Its label is worked out from its kind and days, so two equal periods read
the same.

How a period is read from a request, and what it means to a page, belong to the page's app:
dashboards.periods reads `?year=&quarter=&month=&from=&to=`, scoring.periods reads the
assessment's `?year=&period=` and its 时序进度."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _


def last_day(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    """`start` to `end`, inclusive; None is an open end (the rollups API only)."""

    start: dt.date | None
    end: dt.date | None
    kind: str = "range"  # year / quarter / month / range

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        return cls(dt.date(year, 3 * quarter - 2, 1), last_day(year, 3 * quarter), "quarter")

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        return cls(dt.date(year, month, 1), last_day(year, month), "month")

    @property
    def year(self) -> int:
        return self.end.year

    @property
    def quarter(self) -> int:
        """The quarter the period starts in (1–4)."""
        return (self.start.month - 1) // 3 + 1

    @property
    def label(self) -> str:
        """2024 / 2024 Q2 / 2024-05 / 2024-03 to 2025-02, in the UI's language (a range names its
        months)."""
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return _("%(year)s Q%(quarter)s") % {"year": self.year, "quarter": self.quarter}
        if self.kind == "month":
            return _("%(year)s-%(month)02d") % {"year": self.year, "month": self.start.month}
        if self.start is None or self.end is None:
            return ""
        return _("%(start)s to %(end)s") % {
            "start": f"{self.start:%Y-%m}",
            "end": f"{self.end:%Y-%m}",
        }

    def year_to_date(self) -> Period:
        """1 January of the period's year to its end: what a cumulative figure (累计) covers."""
        return Period(dt.date(self.year, 1, 1), self.end)

    def previous(self) -> Period:
        """The period before, of the same kind: the year before, the quarter before (Q1's is the
        year before's Q4), the month before."""
        before = self.start - dt.timedelta(days=1)
        if self.kind == "year":
            return Period.of_year(before.year)
        if self.kind == "quarter":
            return Period.of_quarter(before.year, (before.month - 1) // 3 + 1)
        if self.kind == "month":
            return Period.of_month(before.year, before.month)
        raise ValueError("A range has no previous period.")
