"""How the dashboard pages and the rollups API read their period (a core.periods.Period) from a
request, and the page's parameters that select it again.

The dashboard pages read a year, a quarter, a month, or a custom range of whole months
(`parse_period`: rollups are monthly, so a custom range is widened to whole months and says so in
its label). The rollups API reads the same words, plus from / to that may cut a month or leave an
end open (`period_for`); its totals split such a period into whole months and edge days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.periods import Period, last_day


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
        return Period(start.replace(day=1), last_day(end.year, end.month))
    year = _int(params.get("year"), 1990, 2100) or (
        default_year() if callable(default_year) else default_year
    )
    quarter = _int(params.get("quarter"), 1, 4)
    month = _int(params.get("month"), 1, 12)
    if month:
        return Period.of_month(year, month)
    if quarter:
        return Period.of_quarter(year, quarter)
    return Period.of_year(year)


def period_query(period: Period) -> dict[str, str]:
    """The page's URL parameters that select `period` again."""
    if period.kind == "year":
        return {"year": str(period.year)}
    if period.kind == "quarter":
        return {"year": str(period.year), "quarter": str(period.quarter)}
    if period.kind == "month":
        return {"year": str(period.year), "month": str(period.start.month)}
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


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
            named = Period.of_month(year, month)
        elif quarter is not None:
            named = Period.of_quarter(year, quarter)
        else:
            named = Period.of_year(year)
        start, end = named.start, named.end
    if date_from is not None:
        start = max(start, date_from) if start else date_from
    if date_to is not None:
        end = min(end, date_to) if end else date_to
    return Period(start, end)
