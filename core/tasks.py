"""Housekeeping tasks that prove the background path works."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "core:last_heartbeat"


@shared_task
def heartbeat() -> str:
    """Record when the scheduled path (beat -> broker -> worker) last ran."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=None)
    return now


@shared_task
def add(x: int, y: int) -> int:
    """A trivial task used by the worker smoke test and by operators checking a deployment."""
    return x + y
