"""Service checks shared by /healthz and the preflight that `make` targets run."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection


@dataclass
class Check:
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check(True, connection.vendor)
    except Exception as exc:  # any driver error means "down"; the text says which
        return Check(False, _one_line(exc))


def check_redis() -> Check:
    if not settings.REDIS_URL:
        return Check(True, "not configured (embedded default: tasks run in-process)")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
        return Check(True, "ping ok")
    except Exception as exc:
        return Check(False, _one_line(exc))


def check_celery(timeout: float | None = None) -> Check:
    if timeout is None:
        timeout = settings.HEALTHZ_CELERY_TIMEOUT
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return Check(True, "eager (tasks run in-process)")
    from jinzhong_crm.celery import app

    try:
        replies = app.control.inspect(timeout=timeout).ping() or {}
    except Exception as exc:
        return Check(False, _one_line(exc))
    if not replies:
        return Check(False, "no worker answered")
    return Check(True, f"{len(replies)} worker(s): " + ", ".join(sorted(replies)))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()
