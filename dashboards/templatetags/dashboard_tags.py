from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

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


@register.simple_tag
def figure(value, url=None, kind: str = "count") -> str:
    """A dashboard figure: a visible link to the project list behind it; for a list the user may
    not open (selectors.LOCKED), plain text saying so; for a figure with no list, plain text.

    `kind` tells a reader — and the tests — which of the list's totals the figure equals:
    "count" (total-count), or in 亿元 "amount" (total-amount, planned investment), "funds"
    (total-funds) or "completed" (total-completed, the amounts of the linked months)."""
    from dashboards.selectors import LOCKED

    shown = (
        yi(value)
        if kind in ("amount", "funds", "completed")
        else ("—" if value is None else str(value))
    )
    if url == LOCKED:
        note = _("Aggregate only: you may not open the project list behind it")
        return format_html(
            '<span class="figure-locked" title="{}" data-figure="locked" tabindex="0">{}'
            '<span class="visually-hidden"> ({})</span></span>',
            note,
            shown,
            note,
        )
    if url:
        return format_html(
            '<a class="figure-link" href="{}" data-figure="{}">{}</a>', url, kind, shown
        )
    return format_html('<span data-figure="plain">{}</span>', shown)
