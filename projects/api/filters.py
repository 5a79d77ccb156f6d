"""The /projects/ page's FilterSet, tuned for the API's hot path: the same parameter names and the
same meaning, but no query per request to validate a code, and no DISTINCT.

- `region`, `chain`, `method` (codes) and `park` (an id) are checked against a per-process map of
  the reference rows (re-read on a miss, so a code added a second ago is known), then filtered
  through the join the list already makes. django-filter's ModelChoiceFilter would fetch the row
  first: one more query per request.
- only the filters a request names are built, copied shallowly, and validated by a plain form whose
  class is made once per set of names (see ProjectApiFilterSet);
- `stage` filters a plain column: no DISTINCT (MultipleChoiceFilter's default), which would make
  PostgreSQL sort every selected column of the page.
"""

from __future__ import annotations

import copy
import time

import django_filters as filters
from django import forms
from django.core.validators import EMPTY_VALUES
from django.db.models import Subquery
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.api.plans import register_plain_filter
from core.models import IndustryChain, PromotionMethod, Region
from enterprises.models import IndustrialPark
from projects.filtersets import ProjectFilterSet
from projects.models import Stage

_TTL = 300.0  # seconds a known code is trusted without looking (a removed one then matches nothing)
_known: dict[str, tuple[float, frozenset[str]]] = {}


def _values(model, field: str) -> frozenset[str]:
    return frozenset(str(v) for v in model.objects.values_list(field, flat=True))


def is_known(model, field: str, value: str) -> bool:
    key = f"{model._meta.label_lower}.{field}"
    stamp, values = _known.get(key, (0.0, frozenset()))
    if value in values and time.monotonic() - stamp < _TTL:
        return True
    values = _values(model, field)
    _known[key] = (time.monotonic(), values)
    return value in values


class _KnownValueField(forms.CharField):
    def __init__(self, *, model, lookup: str, **kwargs):
        self.model, self.lookup = model, lookup
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value and not is_known(self.model, self.lookup, value):
            raise forms.ValidationError(
                _("Select a valid choice. That choice is not one of the available choices."),
                code="invalid_choice",
            )
        return value


@register_plain_filter
class KnownValueFilter(filters.CharFilter):
    """`field_name=value` for a value checked against the reference table's (cached) values.

    A related code (`region__code`) filters the foreign key by a scalar subquery,
    `region_id = (SELECT id FROM core_region WHERE code = …)`, not through a join: each join is
    one more table in PostgreSQL's search for a join order, which costs a page more than its
    execution (see core.api.views_base.ApiViewSet.page_values)."""

    field_class = _KnownValueField

    def __init__(self, *, model, lookup: str, **kwargs):
        super().__init__(**kwargs)
        self.extra.update(model=model, lookup=lookup)

    def filter(self, qs, value):
        head, sep, rest = self.field_name.partition("__")
        if value in EMPTY_VALUES or not sep:
            return super().filter(qs, value)
        match = (
            self.extra["model"]._base_manager.filter(**{rest: value}).order_by().values("pk")[:1]
        )
        return qs.filter(**{head: Subquery(match)})


@register_plain_filter
@extend_schema_field(OpenApiTypes.INT)
class KnownIdFilter(KnownValueFilter):
    pass


class ProjectApiFilterSet(ProjectFilterSet):
    """Only the filters a request names are copied and validated: django-filter deep-copies every
    filter of the set (25 here) and builds a form class, and a form field for each filter, on every
    request, which cost more than the page's query. (Each filter's query parameter is its own name
    in this set.) Here the named filters are copied shallowly (a filter keeps no per-request state
    but its `model` and `parent`, set below), and the form class for a set of names is made once
    per process and language; its fields are deep-copied by each form as usual. The form is a plain
    Django form: the page's FilterForm styles widgets for HTML, which an API never shows."""

    _form_classes: dict[tuple, type] = {}

    class Meta:
        form = forms.Form

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        names = type(self).base_filters
        if data is not None:
            names = {name: f for name, f in names.items() if name in data}
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(f) for name, f in names.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                # A shallow copy shares the original's FilterMethod, which would look for the
                # method on the original's parent (it has none): bind one to the copy.
                filter_.method = filter_.method

    def get_form_class(self):
        key = (type(self), tuple(self.filters), translation.get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            form_class = super().get_form_class()
            if len(self._form_classes) < 1000:  # a bound on odd combinations of names
                self._form_classes[key] = form_class
        return form_class

    region = KnownValueFilter(
        field_name="region__code",
        model=Region,
        lookup="code",
        help_text="Region code, GB/T 2260 or JZKFQ (区划代码)",
    )
    chain = KnownValueFilter(
        field_name="chain__code",
        model=IndustryChain,
        lookup="code",
        help_text="IndustryChain code (产业链)",
    )
    method = KnownValueFilter(
        field_name="method__code",
        model=PromotionMethod,
        lookup="code",
        help_text="PromotionMethod code (招商方式)",
    )
    park = KnownIdFilter(
        field_name="park_id", model=IndustrialPark, lookup="id", help_text="Park id (园区)"
    )
    stage = filters.MultipleChoiceFilter(
        choices=Stage.choices, distinct=False, help_text="项目阶段 (repeatable)"
    )
