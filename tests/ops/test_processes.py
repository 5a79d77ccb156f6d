"""Processes: exactly one celery beat (a database lock; the second exits with one clear line), and
a worker that outlives a Redis outage (it retries the broker for ever, with capped backoff)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.conftest import _database_url_for_worker, celery_worker_command
from tests.ops.conftest import free_port, start_redis

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


def _env(**overrides) -> dict:
    return {**os.environ, "DATABASE_URL": _database_url_for_worker(), **overrides}


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _beat(tmp_path: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [CELERY, "-A", "jinzhong_crm", "beat", "-l", "warning", "-s", str(tmp_path / name)],
        cwd=BASE_DIR,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _lock_held() -> bool:
    from django.db import connection

    from jinzhong_crm.beat_lock import LOCK_ID

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = %s",
            [LOCK_ID],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_second_beat_exits_with_one_clear_line(tmp_path):
    first = _beat(tmp_path, "first")
    try:
        deadline = time.monotonic() + 60
        while not _lock_held():
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() < deadline, "the first beat never took the lock"
            time.sleep(0.2)
        second = _beat(tmp_path, "second")
        _out, err = second.communicate(timeout=60)
        assert second.returncode != 0
        assert "Another celery beat is already running" in err
        assert first.poll() is None  # the first one carries on
    finally:
        _stop(first)


def test_workers_retry_the_broker_for_ever_with_a_capped_backoff():
    from jinzhong_crm.celery import app

    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None
    assert app.conf.broker_connection_max_retries is None
    assert app.conf.broker_connection_retry is True


@pytest.mark.django_db(transaction=True)
def test_a_worker_outlives_a_redis_outage_and_works_again(tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    server = start_redis(port, tmp_path)
    worker = subprocess.Popen(  # noqa: S603
        celery_worker_command(f"outage-{os.getpid()}"),
        cwd=BASE_DIR,
        env=_env(REDIS_URL=url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    from celery import Celery

    client = Celery("probe", broker=url, backend=url, set_as_current=False)
    try:
        assert client.control.ping(timeout=10) or _wait_ping(client, worker)
        server.terminate()
        server.wait(timeout=10)
        time.sleep(8)  # the worker loses the broker and starts retrying
        assert worker.poll() is None, "the worker gave up"
        server = start_redis(port, tmp_path)
        result = client.send_task("core.tasks.add", args=[2, 3])
        assert result.get(timeout=90) == 5
    finally:
        _stop(worker)
        server.kill()
        server.wait(timeout=10)
        redis.Redis.from_url(url).close()


def _wait_ping(client, worker) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker did not start"
        if client.control.ping(timeout=1):
            return True
    return False
