"""Template filters for money and small display helpers."""

from decimal import Decimal

from django import template
from django.utils.http import urlencode

from core.money import format_wan, format_yi

register = template.Library()


@register.filter
def wan(value: Decimal | None) -> str:
    """万元 with 2 decimals and thousands separators: 3566900 -> '3,566,900.00'."""
    return format_wan(value)


@register.filter
def yi(value: Decimal | None) -> str:
    """万元 shown as 亿元 with 2 decimals: 3566900 -> '356.69'."""
    return format_yi(value)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted((k, v) for k in params for v in params.getlist(k)))
