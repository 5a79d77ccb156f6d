"""Tasks reach a real worker through Redis (not eager mode), and /healthz sees that worker."""

import json
import time

import pytest

from core.tasks import add, heartbeat

pytestmark = pytest.mark.worker


def test_task_runs_on_a_real_worker(celery_worker, settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    result = add.delay(20, 22)
    assert result.get(timeout=30) == 42
    assert result.successful()


@pytest.mark.django_db(transaction=True)
def test_healthz_is_ok_when_database_redis_and_worker_are_up(celery_worker, client, settings):
    heartbeat.delay().get(timeout=30)  # what beat sends every sweep period, run by the worker
    # The suite's solo worker answers no ping while it runs a task: poll with a deadline.
    deadline = time.monotonic() + 60
    while True:
        response = client.get("/healthz")
        body = json.loads(response.content)
        if response.status_code == 200 or time.monotonic() > deadline:
            break
    assert response.status_code == 200, body
    assert body["checks"]["celery"]["ok"] is True
