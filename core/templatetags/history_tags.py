"""`{% load history_tags %}{% history_panel project %}` shows an object's 变更记录 on its page."""

from django import template

from core.history import history_entries

register = template.Library()


@register.inclusion_tag("includes/history_card.html")
def history_panel(obj, limit: int = 50) -> dict:
    """The object's change history, newest first. The page has already checked that the user may
    see `obj`; the panel shows only that object's own records."""
    return {"history": history_entries(obj, limit=limit), "limit": limit}
