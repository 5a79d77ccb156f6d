"""Pieces every app's FilterSet shares (projects.filtersets, enterprises.filtersets,
events.filtersets): one FilterSet per model serves its page, its exports and its API."""

from __future__ import annotations

import django_filters as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(filters.ModelChoiceFilter):
    """A choice of reference row by its code (`to_field_name="code"`), typed in the API schema as
    the code it reads: drf-spectacular would otherwise guess the primary key's type."""
