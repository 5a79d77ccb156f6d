"""Pieces every app's FilterSet shares (projects.filtersets, enterprises.filtersets,
events.filtersets): one FilterSet per model serves its page, its exports and its API."""

from __future__ import annotations

import django_filters as filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(filters.ModelChoiceFilter):
    """A choice of reference row by its code (`to_field_name="code"`), typed in the API schema as
    the code it reads: drf-spectacular would otherwise guess the primary key's type."""


class NullsLastOrdering(filters.OrderingFilter):
    """`sort` for the enterprise and event lists: rows without the sorted figure go last either way,
    and the id breaks ties so pages neither repeat nor skip rows."""

    # Our own msgid, so the zh-hans catalogue carries it (django-filter ships zh_CN only).
    descending_fmt = _("%s (descending)")

    def get_ordering_value(self, param: str):
        # Rows without figures go last either way (PostgreSQL puts NULL first when DESC).
        value = super().get_ordering_value(param)
        descending = value.startswith("-")
        field = F(value.lstrip("-"))
        return field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "id") if value else qs


def sort_words(filterset, value: str) -> str:
    """The order in force, in words ("按登记日期(最新在前)"): the `sort` field's own choice label
    ("" for the list's default order, its empty label). Shown above a sortable list."""
    labels = dict(filterset.form.fields["sort"].choices)
    return str(labels.get(value) or labels.get("", ""))
