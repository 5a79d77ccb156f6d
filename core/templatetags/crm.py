"""Template filters for money and small display helpers."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_noop

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


# The id a page reverses a record's URL with once (`{% url 'projects:detail' PLACEHOLDER_PK %}`),
# for `with_pk` to put each row's id in: a board renders up to 350 cards, and reversing a URL per
# card was a tenth of its time. board.js does the same for the move dialog's URL.
PLACEHOLDER_PK = 2147483647


@register.filter
def with_pk(url: str, pk) -> str:
    """`url` (reversed with PLACEHOLDER_PK) for the record `pk`."""
    return url.replace(str(PLACEHOLDER_PK), str(int(pk)), 1)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and sorting links):
    those named in `changes` get its value, or go when it is None or "". Pairs are read from the
    request's query as they are (a list page writes ten of these links: copying the QueryDict,
    a deep copy, for each was most of their cost)."""
    pairs = [
        (key, value)
        for key, values in context["request"].GET.lists()
        if key not in changes
        for value in values
    ]
    pairs += [(key, value) for key, value in changes.items() if value not in (None, "")]
    return "?" + urlencode(sorted(pairs))


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, first: str = "asc", css: str = "") -> str:
    """A sortable column header: a link that sorts by `key` (`first` direction on the first click),
    reverses on the next, and shows the active sort with an arrow and `aria-sort`.

    The page gives `sort_value` (the sort in force, "" for the list's default) and
    `default_sort` (what "" means, e.g. "-registered")."""
    active = context.get("sort_value") or context.get("default_sort") or ""
    if active == key:
        following, arrow, aria = f"-{key}", "↑", "ascending"
    elif active == f"-{key}":
        following, arrow, aria = key, "↓", "descending"
    else:
        following = f"-{key}" if first == "desc" else key
        arrow, aria = "", "none"
    href = query_with(context, sort=following, page="")
    return format_html(
        '<th class="{}" aria-sort="{}"><a href="{}" class="sort-link text-reset" '
        'data-sort="{}">{}<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        css,
        aria,
        href,
        key,
        label,
        arrow,
    )


# The 亮灯 chip's colour and label of each light (any other light is shown as green).
LIGHT_CHIPS = {
    "red": ("bg-red-lt", gettext_noop("Red light")),
    "yellow": ("bg-yellow-lt", gettext_noop("Yellow light")),
}
GREEN_CHIP = ("bg-green-lt", gettext_noop("Green light"))


@register.simple_tag
def light_chip(light: str, reason: str, since=None) -> str:
    """The 亮灯 chip of a project's `light`, titled with its reason's label and the day it was lit
    ("" when no light). templates/includes/light_chip.html writes it for a project, and
    projects.views._cards_html and _rows_html into each lit board card and list row."""
    if not light:
        return ""
    css, label = LIGHT_CHIPS.get(light, GREEN_CHIP)
    title = f"{reason} · {since.isoformat()}" if since else reason
    return format_html(
        '<span class="badge {}" data-testid="light-chip" data-light="{}" title="{}">{}</span>',
        css,
        light,
        title,
        gettext(label),
    )
