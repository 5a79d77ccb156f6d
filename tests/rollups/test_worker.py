"""End to end on a real Celery worker: a committed change queues a drain, the worker refreshes the
buckets, and the rollups equal the live aggregate after every kind of change."""

import datetime as dt
from decimal import Decimal

import pytest

from projects import services as project_services
from rollups import tasks
from rollups.models import Outbox, StageRollup

from .conftest import assert_rollups_equal_live, cell_totals, wait_until_drained

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FEB, MAR, APR = (dt.date(2023, m, 1) for m in (2, 3, 4))


@pytest.fixture(autouse=True)
def _fast_coalescing(settings):
    settings.ROLLUP_COALESCE_SECONDS = 0


def test_create_edit_redate_move_stage_back_and_delete_through_the_worker(celery_worker, world):
    project = world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    wait_until_drained()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 1

    project = project_services.project_update(
        project=project, by=None, planned_investment=Decimal("35000")
    )
    wait_until_drained()
    assert cell_totals(world.yuci, FEB)["signed_amount"] == Decimal("35000")

    project = project_services.project_update(
        project=project, by=None, signed_on=dt.date(2023, 3, 3)
    )
    wait_until_drained()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 0
    assert cell_totals(world.yuci, MAR)["signed_count"] == 1

    project = project_services.project_update(project=project, by=None, region=world.taigu)
    wait_until_drained()
    assert cell_totals(world.yuci, MAR)["signed_count"] == 0
    assert cell_totals(world.taigu, MAR)["signed_amount"] == Decimal("35000")

    project = project_services.project_advance_stage(
        project=project, to="started", on=dt.date(2023, 4, 10), by=None
    )
    project = project_services.project_advance_stage(
        project=project, to="signed", on=dt.date(2023, 4, 11), by=None, reason="开工信息有误"
    )
    wait_until_drained()
    assert cell_totals(world.taigu, APR)["started_count"] == 0
    assert StageRollup.objects.get(region_id=world.taigu.pk, stage="signed").project_count == 1

    project_services.project_delete(project=project, by=None)
    wait_until_drained()
    assert cell_totals(world.taigu, MAR)["signed_count"] == 0
    assert not StageRollup.objects.filter(region_id=world.taigu.pk).exists()
    assert_rollups_equal_live()


def test_a_task_executed_twice_leaves_the_same_rollups(celery_worker, world):
    world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    wait_until_drained()
    for _ in range(2):
        assert tasks.rebuild_rollups.delay().get(timeout=60) == 0
        assert tasks.drain_outbox.delay().get(timeout=60) == 0
    assert cell_totals(world.yuci, FEB)["signed_count"] == 1
    assert_rollups_equal_live()


def test_the_sweep_drains_rows_whose_task_was_never_published(celery_worker, world, monkeypatch):
    # As if the broker had lost the message: nothing is published after commit.
    monkeypatch.setattr("rollups.outbox.request_drain", lambda: None)
    world.project(stage="signed", signed_on=dt.date(2023, 2, 3))
    assert Outbox.objects.count() == 1
    assert tasks.sweep_outbox.delay().get(timeout=60) == 1
    assert not Outbox.objects.exists()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 1
    assert_rollups_equal_live()
