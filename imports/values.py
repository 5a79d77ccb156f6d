"""Turning one ledger cell into a Python value, or a Chinese reason it cannot be."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.money import parse_amount

_DATE_RES = [
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_MONTH_RES = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月?$"),
]
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", ""}


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value).replace(" ", "")
    raw = raw.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", raw) else raw
    if re.match(r"^\d{4}-\d{2}-\d{2}00:00:00$", raw):
        raw = raw[:10]
    for regex in _DATE_RES:
        match = regex.match(raw)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ValidationError(
        _("“%(value)s” is not a date. Examples: 2023-02-03, 2023/2/3, 2023年2月3日.")
        % {"value": raw}
    )


def parse_month(value) -> dt.date:
    """A month as its first day; a full date is accepted and its day dropped."""
    if isinstance(value, (dt.date, dt.datetime)):
        return parse_date(value).replace(day=1)
    raw = text(value).replace(" ", "")
    for regex in _MONTH_RES:
        match = regex.match(raw)
        if match and 1 <= int(match["m"]) <= 12:
            return dt.date(int(match["y"]), int(match["m"]), 1)
    try:
        return parse_date(raw).replace(day=1)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a month. Examples: 2023-02, 2023年2月.") % {"value": raw}
        ) from None


def parse_money(value) -> Decimal:
    """Amounts in 万元; a number typed into Excel arrives as int or float."""
    if isinstance(value, float):
        # Excel stores numbers as binary floats; its shortest repr is what the user typed.
        value = Decimal(repr(value))
    return parse_amount(value)


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ValidationError(_("“%(value)s”: please write 是 or 否.") % {"value": raw})


def parse_int(value) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("Please enter a whole number."))
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    else:
        raw = text(value).replace(",", "")
        if not re.fullmatch(r"\d+", raw):
            raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": raw})
        n = int(raw)
    if n < 0:
        raise ValidationError(_("The number cannot be negative."))
    return n
