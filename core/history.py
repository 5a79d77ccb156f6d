"""Change history (变更记录) base: django-simple-history records plus where the change came from."""

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


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
