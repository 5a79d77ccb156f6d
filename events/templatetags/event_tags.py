from decimal import Decimal

from django import template
from django.urls import NoReverseMatch, reverse

from core.money import format_wan, format_yi
from events import selectors

register = template.Library()


@register.filter
def wan(value: Decimal | None) -> str:
    """万元 with 2 decimals and thousands separators (lists)."""
    return format_wan(value) if value is not None else "—"


@register.filter
def yi(value: Decimal | None) -> str:
    """万元 shown as 亿元 with 2 decimals (totals)."""
    return format_yi(value if value is not None else Decimal(0))


@register.simple_tag
def project_url(project) -> str:
    """Link to the project page once the projects app serves one (empty until then)."""
    try:
        return reverse("projects:detail", args=[project.pk])
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def project_signings(context, project):
    """A project's signings for the project page (`{% load project_signings from event_tags %}`):
    the projects app never imports events, so its page asks for them here."""
    return list(selectors.project_signings(project=project, user=context["request"].user))
