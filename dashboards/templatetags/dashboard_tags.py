from decimal import Decimal, InvalidOperation

from django import template

from core.money import format_wan, format_yi

register = template.Library()


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def yi(value) -> str:
    """万元 -> '356.69' (亿元, 2 dp); '—' when there is no figure."""
    return format_yi(_decimal(value))


@register.filter
def wan(value) -> str:
    return format_wan(_decimal(value))


@register.filter
def plain(value) -> str:
    """A decimal without trailing zeros or exponent: 100.000 -> '100', 2.50 -> '2.5'."""
    number = _decimal(value)
    if number is None or value is None or value == "":
        return "—"
    text = format(number.normalize(), "f")
    return text
