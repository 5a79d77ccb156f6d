from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.filter
def project_url(project) -> str:
    """The project's page once the projects app has one; the filtered list until then."""
    try:
        return reverse("projects:detail", args=[project.pk])
    except NoReverseMatch:
        return ""


@register.filter
def enterprise_url(enterprise) -> str:
    try:
        return reverse("enterprises:detail", args=[enterprise.pk])
    except NoReverseMatch:
        return ""
