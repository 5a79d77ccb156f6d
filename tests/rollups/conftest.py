"""Helpers for rollup tests: projects made through the services, and waiting for a drain."""

import contextlib
import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.cache import cache

from core.models import IndustryChain, PromotionMethod, Region
from enterprises import services as enterprise_services
from enterprises.models import IndustrialPark
from projects import services as project_services
from rollups import refresh
from rollups.models import MonthlyRollup, Outbox
from rollups.refresh import DRAIN_PENDING_KEY


@pytest.fixture(autouse=True)
def _no_stale_drain_flag():
    """A flag left by another test would make this one wait for the sweep."""
    cache.delete(DRAIN_PENDING_KEY)
    yield
    # A test may still point the cache at a dead Redis here (fixture teardown order).
    with contextlib.suppress(Exception):
        cache.delete(DRAIN_PENDING_KEY)


class World:
    def __init__(self):
        self.yuci = Region.objects.get(code="140702")
        self.taigu = Region.objects.get(code="140703")
        self.qixian = Region.objects.get(code="140727")
        self.chains = list(IndustryChain.objects.order_by("id")[:2])
        self.methods = list(PromotionMethod.objects.order_by("id")[:2])
        self.investor = enterprise_services.enterprise_create(name="测试新能源科技有限公司")
        self.parks = [
            IndustrialPark.objects.create(name="测试榆次园区", region=self.yuci),
            IndustrialPark.objects.create(name="测试太谷园区", region=self.taigu),
        ]

    def project(self, **fields):
        fields.setdefault("name", "测试项目")
        fields.setdefault("investor", self.investor)
        fields.setdefault("region", self.yuci)
        fields.setdefault("chain", self.chains[0])
        fields.setdefault("method", self.methods[0])
        fields.setdefault("planned_investment", Decimal("10000"))
        fields.setdefault("registered_on", dt.date(2023, 1, 5))
        return project_services.project_create(by=None, **fields)


@pytest.fixture
def world(reference_data):
    return World()


def cell_totals(region, month: dt.date) -> dict:
    """Sum of a region-month's cells (all chains and methods)."""
    from django.db.models import Sum

    return {
        k: v or 0
        for k, v in MonthlyRollup.objects.filter(region_id=region.pk, month=month)
        .aggregate(
            signed_count=Sum("signed_count"),
            signed_amount=Sum("signed_amount"),
            started_count=Sum("started_count"),
            expected_start_amount=Sum("expected_start_amount"),
            funds_amount=Sum("funds_amount"),
        )
        .items()
    }


def wait_until_drained(timeout: float = 30) -> None:
    """Poll until the worker has emptied the outbox (its refresh commits with the deletion)."""
    deadline = time.monotonic() + timeout
    while Outbox.objects.exists():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not drain the rollup outbox in time")
        time.sleep(0.05)


def assert_rollups_equal_live() -> None:
    comparison = refresh.compare_with_live()
    assert comparison.drift == 0, comparison
