"""Lights tasks: thin wrappers over lights.services (idempotent: each recomputes from source)."""

from celery import shared_task

from rollups.tasks import RETRY

from . import services


@shared_task(**RETRY)
def refresh_lights() -> int:
    """Every open project's light as of today (nightly: days pass without any save)."""
    return services.lights_refresh()
