"""/healthz/live, /healthz/ready and /healthz: what each depends on, and that a dead worker, a stopped
beat or a hung Redis shows where it should and nowhere else."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from core.models import Heartbeat
from core.tasks import BEAT
from rollups.models import Outbox


@pytest.mark.django_db
def test_live_needs_nothing_not_even_the_database(client, redis_down, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_ready_stays_200_with_redis_hung_and_no_worker_and_answers_quickly(client, redis_hung):
    started = time.monotonic()
    response = client.get("/healthz/ready")
    took = time.monotonic() - started
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False and not body["checks"]["redis"]["fails_probe"]
    assert body["checks"]["celery"]["ok"] is False  # the broker is the hung Redis
    print(f"/healthz/ready with Redis hung: {took:.2f} s")  # ≤ 1 s: each check has its timeout


@pytest.mark.django_db(transaction=True)
def test_ready_stays_200_when_redis_is_stopped(client, redis_down):
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_full_report_fails_while_redis_is_stopped(client, redis_down):
    body = client.get("/healthz").json()
    assert body["status"] == "down" and body["checks"]["redis"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_no_worker_fails_the_full_report_but_not_ready(client, own_redis, monkeypatch):
    """No Celery worker listens on this test's broker: monitoring sees it, the load balancer does
    not care. (The suite's own worker, started by earlier tests, listens on the suite's Redis.)"""
    from jinzhong_crm.celery import app

    _proc, url = own_redis
    connect = app.connection_for_write
    monkeypatch.setattr(app, "connection_for_write", lambda **kw: connect(url=url, **kw))
    assert client.get("/healthz/ready").status_code == 200
    full = client.get("/healthz")
    assert full.status_code == 503
    assert full.json()["checks"]["celery"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_a_stopped_beat_fails_the_full_report_after_three_sweep_periods(client, settings):
    limit = settings.HEALTHZ_BEAT_MAX_AGE
    assert limit == 3 * settings.SWEEP_PERIOD_SECONDS
    beat = client.get("/healthz").json()["checks"]["beat"]
    assert beat["ok"] is False and "beat" in beat["detail"]  # never ran

    Heartbeat.objects.create(name=BEAT, beat_at=timezone.now() - dt.timedelta(seconds=10))
    assert client.get("/healthz").json()["checks"]["beat"]["ok"] is True

    Heartbeat.objects.filter(name=BEAT).update(
        beat_at=timezone.now() - dt.timedelta(seconds=limit + 30)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False
    assert "stopped" in response.json()["checks"]["beat"]["detail"]


@pytest.mark.django_db(transaction=True)
def test_full_report_gives_outbox_backlog_drift_and_media_disk(client, settings):
    Outbox.objects.create(keys=["m|1|2024-01-01"])
    checks = client.get("/healthz").json()["checks"]
    assert checks["outbox"]["ok"] is True and checks["outbox"]["detail"].startswith("backlog 1,")
    assert checks["drift"]["detail"] == "no full rebuild yet"
    assert "MB free" in checks["media_disk"]["detail"]

    Outbox.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert client.get("/healthz").json()["checks"]["outbox"]["ok"] is False

    settings.HEALTHZ_MEDIA_MIN_FREE_MB = 10**12
    assert client.get("/healthz").json()["checks"]["media_disk"]["ok"] is False
