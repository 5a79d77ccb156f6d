"""The one FilterSet for enterprise lists: the /enterprises/ page and the API share it."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.credit_code import normalize_credit_code
from core.filtersets import CodeFilter, NullsLastOrdering
from core.forms import FilterForm
from core.models import IndustryChain, Region
from core.textnorm import normalize_name

from .models import Enterprise, IndustrialPark, InvestorOrigin, Ownership, Tier


def search_q(text: str, *, starts_only: bool = False) -> Q | None:
    """Match a Chinese name (any part), its pinyin ("jili", "jilijinzhong"), its initials ("jl")
    or the start of a credit code. None when there is nothing to search for.

    `starts_only`: match only the start of the name, pinyin and initials — global search's rule
    for a query of one or two characters, which holds no trigram for an index to narrow by
    (search.selectors.SHORT_QUERY)."""
    text = (text or "").strip()
    if not text:
        return None
    part = "startswith" if starts_only else "contains"
    q = Q(**{f"name__i{part}": text})
    norm = normalize_name(text)
    if norm:
        q |= Q(**{f"normalized_name__i{part}": norm})
    letters = "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())
    if letters and letters == text.lower().replace(" ", ""):
        # Pure Latin letters: pinyin or initials. Initials match from the start of the name or of a
        # word inside it ("jz" finds 吉利汽车晋中基地 too), full pinyin anywhere.
        q |= Q(**{f"name_pinyin__{part}": letters}) | Q(**{f"name_initials__{part}": letters})
    code = normalize_credit_code(text)
    if code.isalnum() and len(code) >= 4:
        q |= Q(credit_code__startswith=code)
    return q


class EnterpriseFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    region = filters.ModelChoiceFilter(
        field_name="region",
        to_field_name="code",
        queryset=Region.objects.all(),
        label=_("Region"),
        empty_label=_("All regions"),
    )
    park = filters.ModelChoiceFilter(
        queryset=IndustrialPark.objects.all(), label=_("Park"), empty_label=_("All parks")
    )
    chain = CodeFilter(
        method="filter_chain",
        to_field_name="code",
        queryset=IndustryChain.objects.all(),
        label=_("Industry chain"),
        empty_label=_("All chains"),
        help_text="IndustryChain code: main chain, chain-leader role or supplier on it",
    )
    tier = filters.ChoiceFilter(
        method="filter_tier",
        choices=[(t.value or "none", t.label) for t in Tier],
        label=_("Tier"),
        empty_label=_("All tiers"),
    )
    origin = filters.ChoiceFilter(
        field_name="investor_origin",
        choices=InvestorOrigin.choices,
        label=_("Investor origin"),
        empty_label=_("All origins"),
    )
    ownership = filters.ChoiceFilter(
        choices=Ownership.choices, label=_("Ownership"), empty_label=_("All kinds")
    )
    local = filters.ChoiceFilter(
        method="filter_local",
        choices=[("1", _("Local (in Jinzhong)")), ("0", _("Outside Jinzhong"))],
        label=_("Location"),
        empty_label=_("Local and outside"),
    )
    chain_leader = filters.ChoiceFilter(
        method="filter_chain_leader",
        choices=[("1", _("Chain leaders and cores")), ("0", _("Other enterprises"))],
        label=_("Chain role"),
        empty_label=_("Any role"),
    )
    sort = NullsLastOrdering(
        fields=(
            ("name_pinyin", "name"),
            ("latest_output_value", "output"),
            ("region__sort_order", "region"),
            ("created_at", "created"),
        ),
        field_labels={
            "name_pinyin": _("Name"),
            "latest_output_value": _("Output value"),
            "region__sort_order": _("Region"),
            "created_at": _("Added"),
        },
        label=_("Sort"),
        empty_label=_("By name (pinyin)"),
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []
        form = FilterForm

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        q = search_q(value)
        return queryset.filter(q) if q is not None else queryset

    def filter_chain(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # An enterprise belongs to a chain by its main chain, a chain-leader role or supplying on it.
        if not value:
            return queryset
        return queryset.filter(
            Q(main_chain=value)
            | Q(chain_roles__chain=value)
            | Q(supplies__link__chain=value)
            | Q(suppliers__link__chain=value)
        ).distinct()

    def filter_tier(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tier="" if value == "none" else value)

    def filter_local(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_local=value == "1")

    def filter_chain_leader(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        has_role = Q(chain_roles__isnull=False)
        return (
            queryset.filter(has_role) if value == "1" else queryset.exclude(has_role)
        ).distinct()
