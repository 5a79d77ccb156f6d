"""Redis down never costs a save, and bursts of edits coalesce into a bounded number of tasks."""

import datetime as dt
import logging
from decimal import Decimal

import pytest

from jinzhong_crm.celery import app
from projects import services as project_services
from rollups import refresh
from rollups.models import Outbox

from .conftest import assert_rollups_equal_live, cell_totals

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = (
    "redis://127.0.0.1:1/0"  # nothing listens there: a stopped Redis, without stopping ours
)


@pytest.fixture
def redis_down(settings, monkeypatch):
    """Point both the cache (the drain flag) and the Celery broker at a dead port."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    monkeypatch.setattr(app.conf, "broker_url", DEAD_REDIS)
    monkeypatch.setattr(app, "_pool", None)
    yield
    app._pool = None


def test_a_save_succeeds_when_redis_is_down_and_the_sweep_catches_up(world, redis_down, caplog):
    project = world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    with caplog.at_level(logging.WARNING, logger="rollups.outbox"):
        project = project_services.project_update(
            project=project, by=None, planned_investment=Decimal("42000")
        )
    assert "could not queue a refresh" in caplog.text
    assert Outbox.objects.count() == 2  # both saves committed their outbox rows
    project.refresh_from_db()
    assert project.planned_investment == Decimal("42000")
    # Redis is back: the sweep (what beat runs every minute) applies what was waiting.
    assert refresh.drain_outbox() == 2
    assert cell_totals(world.yuci, dt.date(2023, 2, 1))["signed_amount"] == Decimal("42000")
    assert_rollups_equal_live()


def test_a_broker_error_when_only_publishing_fails_is_logged_not_raised(world, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("rollups.tasks.drain_outbox.apply_async", refuse)
    with caplog.at_level(logging.WARNING, logger="rollups.outbox"):
        world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    assert "could not queue a refresh" in caplog.text
    assert Outbox.objects.count() == 1


def test_a_thousand_edits_queue_a_bounded_number_of_refresh_tasks(world, settings, monkeypatch):
    settings.ROLLUP_COALESCE_SECONDS = 30
    # Bound: one task per pending window (and one per drain). Make the window outlast the loop so
    # the count is exact however slow the machine is.
    settings.ROLLUP_DRAIN_PENDING_TTL = 3600
    published = []
    monkeypatch.setattr(
        "rollups.tasks.drain_outbox.apply_async", lambda *a, **kw: published.append(kw)
    )
    project = world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    for i in range(1000):
        project = project_services.project_update(
            project=project, by=None, planned_investment=Decimal(10000 + i)
        )
    # The first commit queued one drain and the other 1,000 rode on it. A drain that a worker of an
    # earlier test finishes meanwhile reopens the window once, so the bound is "a few", never 1,000.
    assert 1 <= len(published) <= 3
    assert published[0]["countdown"] == 30
    assert Outbox.objects.count() <= 1001
    refresh.drain_outbox()
    assert cell_totals(world.yuci, dt.date(2023, 2, 1))["signed_amount"] == Decimal("10999")
    assert_rollups_equal_live()
