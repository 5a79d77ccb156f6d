"""A worker killed mid-task (SIGKILL, inside the refresh transaction) loses nothing: its transaction
rolls back, the outbox row stays, and the unacknowledged task (acks_late) is handed to the next
worker, whose refresh makes the rollups equal the live aggregate again. Writes acknowledged while no
worker runs are all there, once each, and counted once in the rollups (`verify_rollups`: 0 drift)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from jinzhong_crm.celery import app
from projects.models import Project
from rollups import refresh, tasks
from rollups.models import Outbox, RollupStatus

from ..conftest import BASE_DIR, _database_url_for_worker, wait_until_workers_idle
from .conftest import (
    assert_rollups_equal_live,
    assert_rollups_equal_python_sums,
    cell_totals,
    wait_until_drained,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

QUEUE = f"rollups-kill-test-{os.getpid()}"  # only the workers started here listen on it
FEB = dt.date(2023, 2, 1)


def _start_worker(name: str, **env) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "jinzhong_crm",
            "worker",
            "-P",
            "solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            QUEUE,
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url_for_worker(), **env},
        start_new_session=True,
    )
    return proc


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _refresh_in_progress() -> bool:
    """Some session of this database holds the rollups advisory lock: a drain is inside its
    transaction (pg_locks lists every database's: another test run's drain is not this one's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = %s "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [refresh.LOCK_ID],
        )
        return cursor.fetchone() is not None


@contextmanager
def _rollup_status_row_locked():
    """Hold the rollup status row's lock from a connection of the test's own: a drain stamps that
    row inside its refresh transaction, so it waits there — rows taken, buckets recomputed,
    nothing committed — until the lock goes. No hook in the product's code is needed."""
    RollupStatus.objects.update_or_create(pk=1, defaults={"refreshed_at": timezone.now()})
    holder = psycopg2.connect(_database_url_for_worker())
    try:
        holder.cursor().execute("SELECT id FROM rollups_rollupstatus WHERE id = 1 FOR UPDATE")
        yield
    finally:
        holder.rollback()
        holder.close()


def test_a_worker_killed_mid_refresh_is_replaced_and_the_totals_are_right(world, monkeypatch):
    monkeypatch.setattr("rollups.outbox.request_drain", lambda: None)  # we publish by hand
    # The session's worker (started by an earlier test in this process) may still hold a drain
    # that an earlier transactional test published with its countdown: run here, it would drain
    # this test's outbox once the killed worker's transaction rolls back.
    with app.connection_for_write() as conn:  # what no worker of this process has taken yet
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    wait_until_workers_idle()
    world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    assert Outbox.objects.count() == 1

    doomed = _start_worker("doomed")
    successor = None
    try:
        with _rollup_status_row_locked():
            tasks.drain_outbox.apply_async(queue=QUEUE)
            deadline = time.monotonic() + 30
            while not _refresh_in_progress():
                assert doomed.poll() is None, "the worker died on its own"
                assert time.monotonic() < deadline, "the worker never started the refresh"
                time.sleep(0.05)
            _stop(doomed, signal.SIGKILL)  # mid-task: recomputed, not committed
        # (Released: its server process finishes the waiting statement, finds its client gone
        # and rolls the transaction back.)

        # Its transaction rolled back: the row is still pending, the cell still empty.
        deadline = time.monotonic() + 10
        while _refresh_in_progress() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Outbox.objects.count() == 1
        assert cell_totals(world.yuci, FEB)["signed_count"] == 0

        # Writes go on with no worker at all: each is acknowledged with its outbox row.
        for day in (4, 5):
            world.project(
                name=f"无工作进程时签约{day}", stage="signed", signed_on=dt.date(2023, 2, day)
            )
        assert Outbox.objects.count() == 3

        # A new worker gets the unacknowledged task back (acks_late; a short visibility timeout
        # stands in for the production two hours): its drain takes every pending row, the three.
        successor = _start_worker("successor", CELERY_VISIBILITY_TIMEOUT="1")
        wait_until_drained(timeout=30)
        assert cell_totals(world.yuci, FEB)["signed_count"] == 3
        assert_rollups_equal_live()
        call_command("verify_rollups")  # exits 1 on any drift
        assert_rollups_equal_python_sums()  # each project counted once: none lost, none twice
        names = list(Project.objects.values_list("name", flat=True))
        assert sorted(names) == sorted(["测试项目", "无工作进程时签约4", "无工作进程时签约5"])
    finally:
        _stop(doomed, signal.SIGKILL)
        if successor is not None:
            _stop(successor)
        with app.connection_for_write() as conn:  # nothing left for a later test's worker
            conn.default_channel.queue_purge(QUEUE)
