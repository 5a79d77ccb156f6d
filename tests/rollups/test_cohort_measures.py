"""The signed-month cohort measures the county assessment reads (开工率's numerator and the size
bands): after starts, un-starts, amount changes and moves, the stored rollups equal Python sums
over the projects (the oracle in conftest writes the bands out itself)."""

import datetime as dt
from decimal import Decimal

from projects import services as project_services
from rollups import refresh
from rollups.models import RegionMonthRollup

from .conftest import assert_rollups_equal_live, assert_rollups_equal_python_sums

FEB = dt.date(2023, 2, 1)


def _signed(world, amount: str, **fields):
    return world.project(
        stage="signed", signed_on=dt.date(2023, 2, 3), planned_investment=Decimal(amount), **fields
    )


def test_cohort_measures_follow_starts_amounts_and_moves(world):
    small = _signed(world, "5000")  # below 1亿: in no band
    mid = _signed(world, "30000")  # exactly 3亿: the 3–5亿 band (lower bound inclusive)
    big = _signed(world, "150000")  # 10–20亿
    _signed(world, "250000", region=world.taigu)  # ≥20亿 in another county
    refresh.drain_outbox()
    row = RegionMonthRollup.objects.get(region_id=world.yuci.pk, month=FEB)
    assert (row.signed_count, row.signed_started_count) == (3, 0)
    assert (row.signed_band_3_count, row.signed_band_10_count, row.signed_band_1_count) == (1, 1, 0)
    assert_rollups_equal_python_sums()

    # Starting a project in a later month raises its signed month's cohort, not the start month's.
    project_services.project_advance_stage(
        project=mid, to="started", on=dt.date(2023, 5, 10), by=None
    )
    project_services.project_advance_stage(
        project=small, to="started", on=dt.date(2023, 3, 1), by=None
    )
    # An amount change moves a project between bands.
    project_services.project_update(project=big, by=None, planned_investment=Decimal("19000"))
    refresh.drain_outbox()
    row = RegionMonthRollup.objects.get(region_id=world.yuci.pk, month=FEB)
    assert row.signed_started_count == 2
    assert row.signed_started_amount == Decimal("35000")
    assert (row.signed_band_1_count, row.signed_band_10_count) == (1, 0)
    assert_rollups_equal_python_sums()

    # Back to signed (with a reason) un-starts it; a move takes it to the other county.
    project_services.project_advance_stage(
        project=mid, to="signed", on=dt.date(2023, 6, 1), by=None, reason="开工信息有误"
    )
    project_services.project_update(project=small, by=None, region=world.taigu)
    refresh.drain_outbox()
    row = RegionMonthRollup.objects.get(region_id=world.yuci.pk, month=FEB)
    assert row.signed_started_count == 0
    taigu = RegionMonthRollup.objects.get(region_id=world.taigu.pk, month=FEB)
    assert (taigu.signed_count, taigu.signed_started_count, taigu.signed_band_20_count) == (2, 1, 1)
    assert_rollups_equal_python_sums()
    assert_rollups_equal_live()
    assert refresh.rebuild_all().drift == 0
