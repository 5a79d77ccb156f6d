"""Rollup tasks: thin wrappers over rollups.refresh. Each is idempotent (it recomputes from source),
so acks_late + reject_on_worker_lost may safely run one twice."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import refresh

# Transient database trouble (a restart, a dropped connection) is retried with backoff.
RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "max_retries": 8,
}


@shared_task(**RETRY)
def drain_outbox() -> int:
    """Refresh the buckets named by pending outbox rows (queued after a commit, coalesced)."""
    return refresh.drain_outbox()


@shared_task(**RETRY)
def sweep_outbox() -> int:
    """The periodic safety net: drain whatever the broker never delivered."""
    return refresh.drain_outbox()


@shared_task(**RETRY)
def rebuild_rollups() -> int:
    """Drain, then recompute everything and report drift (nightly, and the dashboard's button)."""
    refresh.drain_outbox()
    return refresh.rebuild_all().drift
