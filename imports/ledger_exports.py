"""Export columns for the lists whose ledgers we also import: an export re-imports as "no change"."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from .columns import ENTERPRISE_COLUMNS, FUNDS_COLUMNS, PROJECT_COLUMNS
from .exporters import ExportColumn, columns_from
from .models import Kind, LedgerKey


def project_export_columns() -> list[ExportColumn]:
    return columns_from(PROJECT_COLUMNS)


def enterprise_export_columns() -> list[ExportColumn]:
    return columns_from(ENTERPRISE_COLUMNS)


def funds_export_columns() -> list[ExportColumn]:
    return columns_from(FUNDS_COLUMNS)


def with_ledger_ids(qs: QuerySet, *, project_field: str = "pk") -> QuerySet:
    """Annotate each project (or each row pointing at one) with its ledger id (台账编号), if any."""
    keys = LedgerKey.objects.filter(kind=Kind.PROJECTS, object_id=OuterRef(project_field))
    return qs.annotate(ledger_id=Subquery(keys.values("key")[:1]))


def project_export_queryset(qs: QuerySet) -> QuerySet:
    return with_ledger_ids(
        qs.select_related("investor", "region", "park", "chain", "chain_link", "method")
    )
