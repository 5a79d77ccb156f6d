"""Notification tasks: thin wrappers over notifications.services (idempotent)."""

from celery import shared_task

from rollups.tasks import RETRY

from . import services


@shared_task(**RETRY)
def send_daily_digests() -> int:
    """Write today's digests (once per person and day) and the group robots' messages (once per
    robot and day), then send what is due."""
    services.digests_write()
    services.robots_write()
    return services.deliveries_send()


@shared_task(**RETRY)
def send_pending_deliveries() -> int:
    """Retry deliveries that failed (mail server down): nothing is lost."""
    return services.deliveries_send()
