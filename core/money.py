"""Money: exact decimals in 万元 (DESIGN.md, "Money").

Amounts are stored as Decimal(18, 6) 万元 — exact to the fen. Users may type a unit ("3.5亿",
"3500万", "¥1,000,000元"); anything odd (full-width digits, underscores, exponents, NaN, negative,
-0, over 1万亿元) is refused with a message a county clerk understands.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DIGITS = 18
DECIMAL_PLACES = 6
QUANTUM = Decimal("0.000001")
# 1万亿元 = 10^12 元 = 10^8 万元: nothing a county signs is larger; a bigger figure is a typo.
MAX_WAN = Decimal("100000000")

_UNITS = {
    "": Decimal(1),
    "万": Decimal(1),
    "万元": Decimal(1),
    "亿": Decimal(10000),
    "亿元": Decimal(10000),
    "元": Decimal("0.0001"),
}
# Digits with optional comma grouping (1,234,567) and an optional fraction. Nothing else.
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_AMOUNT_RE = re.compile(rf"^(?P<sign>[-+])?\s*[¥￥]?\s*{_NUMBER}\s*(?P<unit>万元|亿元|万|亿|元)?$")


def parse_amount(value: object, *, default_unit: str = "万元") -> Decimal:
    """Parse user input into 万元. Raises ValidationError with a Chinese message on bad input.

    A Decimal or int is taken as 万元 as it is; a float is refused (it has already lost exactness).
    """
    if isinstance(value, (bool, float)):
        raise ValidationError(
            _("Amount must be entered as text or a decimal, not a floating-point number.")
        )
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        return validate_amount(value)
    if value is None:
        raise ValidationError(_("Please enter an amount."))
    text = str(value).strip()
    if not text:
        raise ValidationError(_("Please enter an amount."))
    if any(ord(ch) > 0x7F and ch not in "¥￥万亿元" for ch in text) or "_" in text:
        raise ValidationError(
            _(
                "“%(value)s” contains characters that are not allowed: use half-width digits, e.g. 3500 or 3.5亿."
            )
            % {"value": text}
        )
    match = _AMOUNT_RE.match(text)
    if not match:
        raise ValidationError(
            _("“%(value)s” is not an amount. Examples: 3500 (万元), 3.5亿, 3500万, ¥1,000,000元.")
            % {"value": text}
        )
    if match["sign"] == "-":
        raise ValidationError(_("Amounts cannot be negative; correct the record instead."))
    number = Decimal(match["num"].replace(",", ""))
    unit = match["unit"] or ("" if default_unit == "万元" else default_unit)
    wan = number * _UNITS[unit]
    return validate_amount(wan)


def validate_amount(value: Decimal) -> Decimal:
    """Check an amount in 万元 and return it quantised to the fen (6 places of 万元)."""
    if not isinstance(value, Decimal):
        raise ValidationError(_("Amount must be a decimal number."))
    if value.is_nan() or value.is_infinite():
        raise ValidationError(_("Amount must be a finite number."))
    if value.is_signed():  # catches -0 as well as negatives
        raise ValidationError(_("Amounts cannot be negative; correct the record instead."))
    if value > MAX_WAN:
        raise ValidationError(
            _("%(value)s 万元 is more than 1万亿元; please check the unit (amounts are in 万元).")
            % {"value": format_wan(value)}
        )
    try:
        quantised = value.quantize(QUANTUM, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValidationError(_("Amount is not a valid number.")) from exc
    if quantised != value:
        raise ValidationError(_("Amounts are exact to the fen (at most 6 decimal places of 万元)."))
    return quantised


def format_wan(value: Decimal | None, places: int = 2) -> str:
    """1234567.891 -> '1,234,567.89' (万元)."""
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    return f"{value.quantize(q, rounding=ROUND_HALF_UP):,.{places}f}"


def format_yi(value: Decimal | None, places: int = 2) -> str:
    """万元 -> 亿元 text: 3566900 -> '356.69'."""
    if value is None:
        return "—"
    return format_wan(value / Decimal(10000), places)
