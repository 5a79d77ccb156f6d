"""The one period of the dashboards and the rollups API: a span of days, both ends inclusive.

The dashboard pages read a year, a quarter, a month, or a custom range of whole months
(`parse_period`: rollups are monthly, so a custom range is widened to whole months and says so in
its label). The rollups API reads the same words, plus from / to that may cut a month or leave an
end open (`period_for`); its totals split such a period into whole months and edge days."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    """`start` to `end`, inclusive; None is an open end (the API only). The dashboards' periods
    run from the first day of a month to the last day of a month; `year`, `months` and `query`
    are theirs."""

    start: dt.date | None
    end: dt.date | None
    kind: str = "range"  # year / quarter / month / range
    label: str = ""

    @property
    def year(self) -> int:
        return self.end.year

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = _add_months(month, 1)
        return out

    def query(self) -> dict[str, str]:
        """The URL parameters that select this period again."""
        if self.kind == "year":
            return {"year": str(self.year)}
        if self.kind == "quarter":
            return {"year": str(self.year), "quarter": str((self.start.month - 1) // 3 + 1)}
        if self.kind == "month":
            return {"year": str(self.year), "month": str(self.start.month)}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def _date(value: str | None) -> dt.date | None:
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def parse_period(params, *, default_year: int | Callable[[], int]) -> Period:
    """Read year / quarter / month / from / to from a QueryDict; anything invalid falls back to the
    default year rather than failing (a shared link with a typo still opens). `default_year` may be
    a function: it is then asked only when the parameters name no year (it reads the database)."""
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start and end and start <= end and (end.year - start.year) <= 20:
        start = start.replace(day=1)
        end = _last_day(end.year, end.month)
        label = _("%(start)s to %(end)s") % {
            "start": f"{start:%Y-%m}",
            "end": f"{end:%Y-%m}",
        }
        return Period(start, end, "range", label)
    year = _int(params.get("year"), 1990, 2100) or (
        default_year() if callable(default_year) else default_year
    )
    quarter = _int(params.get("quarter"), 1, 4)
    month = _int(params.get("month"), 1, 12)
    if month:
        return Period(
            dt.date(year, month, 1),
            _last_day(year, month),
            "month",
            _("%(year)s-%(month)02d") % {"year": year, "month": month},
        )
    if quarter:
        first = (quarter - 1) * 3 + 1
        return Period(
            dt.date(year, first, 1),
            _last_day(year, first + 2),
            "quarter",
            _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter},
        )
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", str(year))


def period_for(
    *,
    year: int | None = None,
    quarter: int | None = None,
    month: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Period:
    """The rollups API's period: year / year+quarter / year+month, narrowed further by from/to (all
    inclusive). Nothing given is all time (both ends open)."""
    start = end = None
    if year is not None:
        if month is not None:
            start = dt.date(year, month, 1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        elif quarter is not None:
            start = dt.date(year, 3 * quarter - 2, 1)
            end = (dt.date(year, 3 * quarter, 1) + dt.timedelta(days=32)).replace(
                day=1
            ) - dt.timedelta(days=1)
        else:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if date_from is not None:
        start = max(start, date_from) if start else date_from
    if date_to is not None:
        end = min(end, date_to) if end else date_to
    return Period(start, end)
