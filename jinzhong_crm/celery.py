"""The Celery app. Configuration lives in settings.py under the CELERY_ namespace."""

import os
import sys
from pathlib import Path

from celery import Celery

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
