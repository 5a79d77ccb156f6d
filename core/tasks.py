"""Housekeeping tasks that prove the background path works."""

from celery import shared_task
from django.utils import timezone

from core.idempotency import expire_old_keys
from core.models import Heartbeat

BEAT = "beat"


@shared_task
def heartbeat() -> str:
    """Record when the scheduled path (beat -> broker -> worker) last ran; /healthz reads its age."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=BEAT, defaults={"beat_at": now})
    expire_old_keys()  # housekeeping that needs no schedule of its own
    return now.isoformat()


@shared_task
def add(x: int, y: int) -> int:
    """A trivial task used by the worker smoke test and by operators checking a deployment."""
    return x + y
