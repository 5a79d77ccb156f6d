"""Reads of enterprises and parks for pages, autocomplete and (later) the API.

Enterprises and parks are shared reference data: every logged-in user sees all of them. The projects
shown beside them are not: they always go through `accounts.scoping.scope_projects`, so a county official
sees only their own county's projects of an enterprise or park.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, QueryDict

from accounts.scoping import scope_projects
from core.history import HistoryEntry, history_entries

from .filtersets import EnterpriseFilterSet, search_q
from .models import ChainLeaderRole, Enterprise, IndustrialPark

AUTOCOMPLETE_LIMIT = 10


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


def enterprise_queryset(*, user, include_deleted: bool = False) -> QuerySet[Enterprise]:
    if not _authenticated(user):
        return Enterprise.objects.none()
    manager = Enterprise.all_objects if include_deleted else Enterprise.objects
    return manager.select_related("region", "park", "main_chain", "main_link")


def enterprise_list(*, user, params: QueryDict | dict) -> tuple[EnterpriseFilterSet, QuerySet]:
    """The filtered list behind /enterprises/; `deleted=1` lists the soft-deleted ones instead."""
    deleted = str(params.get("deleted", "")) == "1"
    base = enterprise_queryset(user=user, include_deleted=deleted)
    if deleted:
        base = base.filter(is_deleted=True)
    filterset = EnterpriseFilterSet(params, queryset=base)
    qs = filterset.qs if filterset.is_valid() else base.none()
    if not params.get("sort"):
        qs = qs.order_by("name_pinyin", "id")
    qs = qs.annotate(
        role_count=Count("chain_roles", distinct=True),
        project_count=Count(
            "projects", filter=Q(projects__in=_visible_projects(user)), distinct=True
        ),
    )
    return filterset, qs


def _projects(user) -> QuerySet:
    """The projects `user` may see. Looked up by name: enterprises must not import projects
    (dependencies point one way, projects -> enterprises)."""
    return scope_projects(apps.get_model("projects", "Project").objects.all(), user)


def _visible_projects(user) -> QuerySet:
    return _projects(user).values("pk")


def enterprise_get(*, user, pk: Any, include_deleted: bool = False) -> Enterprise:
    """One enterprise; a missing (or, unless asked for, soft-deleted) one answers 404."""
    try:
        return enterprise_queryset(user=user, include_deleted=include_deleted).get(pk=int(pk))
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def enterprise_projects(*, user, enterprise: Enterprise) -> QuerySet:
    """The enterprise's projects as investor or co-investor, limited to what the user may see."""
    return (
        _projects(user)
        .filter(Q(investor=enterprise) | Q(co_investors=enterprise))
        .distinct()
        .select_related("region", "park", "chain")
        .order_by("-registered_on", "-id")
    )


def enterprise_detail_context(*, user, enterprise: Enterprise) -> dict[str, Any]:
    """Everything the enterprise page shows, in a fixed number of queries."""
    figures = list(enterprise.year_figures.order_by("year"))
    projects = list(enterprise_projects(user=user, enterprise=enterprise))
    total = sum((p.planned_investment for p in projects), Decimal(0))
    return {
        "contacts": list(enterprise.contacts.all()),
        "figures": list(reversed(figures)),
        "chart_data": {
            "years": [str(f.year) for f in figures if f.output_value is not None],
            # 亿元 as strings: the JS only draws them, so nothing passes through a float here.
            "output_yi": [
                str((f.output_value / Decimal(10000)).quantize(Decimal("0.01")))
                for f in figures
                if f.output_value is not None
            ],
        },
        "chain_roles": list(enterprise.chain_roles.select_related("chain")),
        "suppliers": list(
            enterprise.suppliers.select_related("supplier", "supplier__region", "link__chain")
        ),
        "supplies": list(
            enterprise.supplies.select_related("leader", "leader__region", "link__chain")
        ),
        "projects": projects,
        "projects_total": total,
    }


def enterprise_autocomplete(*, user, q: str) -> list[dict[str, Any]]:
    """Up to ten enterprises for a typed name, pinyin or initials; best matches first."""
    q = (q or "").strip()[:100]
    cond = search_q(q)
    if cond is None or not _authenticated(user):
        return []
    letters = q.lower().replace(" ", "")
    rank = Case(
        When(name__istartswith=q, then=Value(0)),
        When(name_initials__startswith=letters, then=Value(1)),
        When(name_pinyin__startswith=letters, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = (
        Enterprise.objects.filter(cond)
        .annotate(rank=rank)
        .order_by("rank", "name_pinyin", "id")
        .values("id", "name", "credit_code", "region__name")[:AUTOCOMPLETE_LIMIT]
    )
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "credit_code": r["credit_code"],
            "region": r["region__name"] or "",
        }
        for r in rows
    ]


# --- 变更记录 ---------------------------------------------------------------------------------
def enterprise_history(*, enterprise: Enterprise, limit: int = 50) -> list[HistoryEntry]:
    """The enterprise's 变更记录, newest first, as templates/includes/history.html shows it (one
    engine for every record type: core.history; derived fields hidden, empty saves dropped)."""
    return history_entries(enterprise, limit=limit)


# --- parks ------------------------------------------------------------------------------------
def park_list(*, user) -> QuerySet[IndustrialPark]:
    """Parks (parks first, then development zones, then specialty towns) with their enterprise count
    and the count of the projects the user may see."""
    if not _authenticated(user):
        return IndustrialPark.objects.none()
    visible = _visible_projects(user)
    kind_order = Case(
        *[When(kind=kind, then=Value(i)) for i, kind in enumerate(IndustrialPark.Kind.values)],
        default=Value(99),
        output_field=IntegerField(),
    )
    return (
        IndustrialPark.objects.select_related("region")
        .order_by(kind_order, "region__sort_order", "name")
        .prefetch_related("leading_chains")
        .annotate(
            enterprise_count=Count(
                "enterprises", filter=Q(enterprises__is_deleted=False), distinct=True
            ),
        )
        .annotate(
            project_count=Count(
                "projects",
                filter=Q(projects__in=visible, projects__is_deleted=False),
                distinct=True,
            ),
        )
    )


def park_get(*, user, pk: Any) -> IndustrialPark:
    try:
        return park_list(user=user).get(pk=int(pk))
    except (IndustrialPark.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def park_detail_context(*, user, park: IndustrialPark) -> dict[str, Any]:
    projects = list(
        _projects(user)
        .filter(park=park)
        .select_related("investor", "region", "chain")
        .order_by("-registered_on", "-id")
    )
    enterprises = list(
        park.enterprises.filter(is_deleted=False)
        .select_related("main_chain")
        .order_by("name_pinyin", "id")
    )
    output = sum((e.latest_output_value or Decimal(0) for e in enterprises), Decimal(0))
    return {
        "enterprises": enterprises,
        "enterprise_output": output,
        "projects": projects,
        "projects_total": sum((p.planned_investment for p in projects), Decimal(0)),
        "chain_roles": list(
            ChainLeaderRole.objects.filter(enterprise__park=park, enterprise__is_deleted=False)
            .select_related("enterprise", "chain")
            .order_by("chain__sort_order", "level")
        ),
    }
