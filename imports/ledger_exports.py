"""Export columns for the lists whose ledgers we also import: an export re-imports as "no change"."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from accounts.scoping import scope_projects
from core.exports import ExportColumn
from events.models import PromotionEvent, Signing
from projects.models import Project

from .columns import ENTERPRISE_COLUMNS, EVENT_COLUMNS, FUNDS_COLUMNS, PROJECT_COLUMNS
from .models import Kind, LedgerKey


def columns_from(ledger_columns) -> list[ExportColumn]:
    """Export columns from a ledger's import columns (so an export re-imports unchanged)."""
    return [ExportColumn(c.header, c.get, c.is_money) for c in ledger_columns if c.get]


def project_export_columns() -> list[ExportColumn]:
    # 补录 is derived from the dates, so it is exported but never imported.
    # 亮灯 is computed (lights.services), so it is exported but never imported.
    return [
        *columns_from(PROJECT_COLUMNS),
        ExportColumn("补录", lambda p: p.late_entry),
        ExportColumn("亮灯", lambda p: p.get_light_display()),
        ExportColumn("亮灯原因", lambda p: p.light_text),
        ExportColumn("亮灯日期", lambda p: p.light_since),
    ]


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


def event_export_columns() -> list[ExportColumn]:
    return columns_from(EVENT_COLUMNS)


class _EventWithoutSignings:
    """An event's own row in the events ledger when it has no signings (to export)."""

    project = signed_on = amount = None
    agreement_kind = note = ledger_id = ""

    def __init__(self, event: PromotionEvent) -> None:
        self.event = event


def event_export_rows(events: QuerySet, *, user, chunk: int = 500) -> Iterator:
    """The events ledger of `events` (in their order): one row per signing the user may see, one
    row for an event without any. Read in chunks, a handful of queries each, so a long list
    streams."""
    pks = list(events.values_list("pk", flat=True))
    signings = Signing.objects.select_related("project__region").order_by("signed_on", "id")
    for start in range(0, len(pks), chunk):
        ids = pks[start : start + chunk]
        loaded = {
            e.pk: e
            for e in PromotionEvent.objects.filter(pk__in=ids)
            .select_related("kind")
            .prefetch_related("organisers", Prefetch("signings", queryset=signings))
        }
        project_ids = {s.project_id for e in loaded.values() for s in e.signings.all()}
        visible = set(
            scope_projects(Project.objects.filter(pk__in=project_ids), user).values_list(
                "pk", flat=True
            )
        )
        keys = dict(
            LedgerKey.objects.filter(kind=Kind.PROJECTS, object_id__in=project_ids).values_list(
                "object_id", "key"
            )
        )
        for pk in ids:
            event = loaded[pk]
            shown = [s for s in event.signings.all() if s.project_id in visible]
            if not shown:
                yield _EventWithoutSignings(event)
            for signing in shown:
                signing.ledger_id = keys.get(signing.project_id, "")
                yield signing
