"""Change history (变更记录) base: django-simple-history records plus where the change came from."""

from decimal import Decimal

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.money import format_wan


class IPAddressHistoricalModel(models.Model):
    """Abstract base for every historical table: the client IP of the request that made the change."""

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True


def history() -> HistoricalRecords:
    return HistoricalRecords(bases=[IPAddressHistoricalModel], excluded_fields=["updated_at"])


@receiver(pre_create_historical_record)
def _record_ip(sender, **kwargs) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None:
        kwargs["history_instance"].ip_address = request.META.get("REMOTE_ADDR")


def history_rows(instance, limit: int = 50) -> list[dict]:
    """The instance's change history, newest first, each with its field-level before/after."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    rows = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = instance._meta.get_field(change.field)
                changes.append(
                    {
                        "field": field.verbose_name,
                        "old": _display(field, change.old),
                        "new": _display(field, change.new),
                    }
                )
        rows.append({"record": record, "changes": changes})
    return rows


def _display(field, value):
    if value in (None, ""):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        try:
            return str(field.related_model._base_manager.get(pk=value))
        except field.related_model.DoesNotExist:
            return f"#{value}"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, Decimal):
        # Exact, so a correction at the fen is visible: 12000.500000 -> "12,000.5"
        text = format_wan(value, 6).rstrip("0").rstrip(".")
        return text
    return value
