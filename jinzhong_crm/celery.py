"""The Celery app. Configuration lives in settings.py under the CELERY_ namespace."""

import os
import sys
from pathlib import Path

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")


def _started_by_celery_command() -> bool:
    """`celery -A jinzhong_crm worker|beat` (or `python -m celery …`), not a Django process that
    imports this module (those run the preflight at their own entry point)."""
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return program.name == "celery" or program.parent.name == "celery"


if _started_by_celery_command():
    from jinzhong_crm.preflight import run_or_exit

    run_or_exit()

app = Celery("jinzhong_crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

if _started_by_celery_command():
    # The request path's 0.5 s read timeout is for web processes that publish a task. A worker's own
    # broker connections wait on pub/sub (broadcasts: ping, revoke) for longer than that; with the
    # timeout a worker no longer answers a ping. Connecting still gives up after 0.5 s.
    from django.conf import settings

    app.conf.broker_transport_options = {
        key: value
        for key, value in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items()
        if key != "socket_timeout"
    }


@beat_init.connect
def _one_beat_only(sender=None, **kwargs) -> None:
    from jinzhong_crm.beat_lock import acquire_or_exit

    acquire_or_exit()
