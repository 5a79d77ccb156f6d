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


# --- An oracle independent of rollups.services: Python sums over the source rows ----------------
def _zero() -> dict:
    from rollups.models import MEASURE_COLUMNS

    return dict.fromkeys(MEASURE_COLUMNS, 0)


def expected_rollups() -> dict[str, dict]:
    """What every rollup table should hold, summed in Python from the projects, their funds and
    completed-investment rows and their signing records (DESIGN.md, "Rollups": a milestone counts
    in the month of its date; a soft-deleted project counts nowhere; "signed" follows the caliber;
    a cell, region-month or by-chain row with no count is not stored). No SQL of the refresh."""
    from projects.models import CompletedInvestment, FundsInPlace, Project
    from rollups.models import (
        MILESTONE_MEASURES,
        NO_SIGNING_RECORD_KIND,
        counted_agreement_kinds,
    )

    kinds = set(counted_agreement_kinds())
    projects = {p.pk: p for p in Project.all_objects.filter(is_deleted=False)}
    signings: dict[int, set[str]] = {}
    for project in projects.values():
        signings[project.pk] = {s.agreement_kind for s in project.signings.all()}

    def cell(project, month: dt.date) -> tuple:
        return (
            project.region_id,
            month.replace(day=1),
            project.chain_id,
            project.method_id,
            project.park_id,
            project.is_confidential,
            project.is_foreign,
            project.is_out_of_province,
        )

    fine: dict[tuple, dict] = {}

    def add(key: tuple, measure: str, amount) -> None:
        figures = fine.setdefault(key, _zero())
        figures[f"{measure}_count"] += 1
        figures[f"{measure}_amount"] += amount

    # Verified evidence (issue 21): (kind, project id) for signed / started, (kind, funds row id).
    from verification.models import MilestoneClaim

    verified = set(
        MilestoneClaim.objects.filter(state="verified").values_list("kind", "project_id")
    )
    verified_funds = set(
        MilestoneClaim.objects.filter(state="verified", kind="funds").values_list(
            "object_id", flat=True
        )
    )
    for project in projects.values():
        for measure, field in MILESTONE_MEASURES:
            day = getattr(project, field)
            if day is None:
                continue
            if measure.startswith("signed"):
                records = signings[project.pk]
                counted = bool(records & kinds) or (not records and NO_SIGNING_RECORD_KIND in kinds)
                if not counted:
                    continue
            verified_kind = measure.removesuffix("_verified")
            if verified_kind != measure and (verified_kind, project.pk) not in verified:
                continue
            if measure == "signed_started" and project.started_on is None:
                continue
            if measure.startswith("signed_band_"):
                # 亿元 bands written out here, not read from rollups.models (an independent oracle)
                low, high = {
                    "signed_band_1": (1, 3),
                    "signed_band_3": (3, 5),
                    "signed_band_5": (5, 10),
                    "signed_band_10": (10, 20),
                    "signed_band_20": (20, None),
                }[measure]
                yi = project.planned_investment / 10000
                if yi < low or (high is not None and yi >= high):
                    continue
            add(cell(project, day), measure, project.planned_investment)
    for measure, model in (("funds", FundsInPlace), ("completed", CompletedInvestment)):
        for row in model.objects.filter(project_id__in=list(projects)):
            add(cell(projects[row.project_id], row.month), measure, row.amount)
            if measure == "funds" and row.pk in verified_funds:
                add(cell(projects[row.project_id], row.month), "funds_verified", row.amount)

    region_months: dict[tuple, dict] = {}
    chains: dict[tuple, dict] = {}
    for key, figures in fine.items():
        region, month, chain = key[0], key[1], key[2]
        totals = region_months.setdefault((region, month), _zero())
        by_chain = chains.setdefault((region, month, chain), _zero())
        for column, value in figures.items():
            totals[column] += value
            by_chain[column] += value
    chain_columns = ["signed_count", "signed_amount", "started_count", "started_amount"]
    chains = {
        key: {c: figures[c] for c in chain_columns}
        for key, figures in chains.items()
        if figures["signed_count"] + figures["started_count"] > 0
    }
    stages: dict[tuple, dict] = {}
    for project in projects.values():
        key = (project.region_id, project.stage, project.chain_id or 0, project.method_id or 0)
        figures = stages.setdefault(key, {"project_count": 0, "amount": 0})
        figures["project_count"] += 1
        figures["amount"] += project.planned_investment
    return {"fine": fine, "region_month": region_months, "chain": chains, "stage": stages}


def stored_rollups() -> dict[str, dict]:
    """The rollup tables as stored, keyed like expected_rollups()."""
    from rollups.models import (
        CELL_KEY,
        CHAIN_COLUMNS,
        MEASURE_COLUMNS,
        RegionMonthChainRollup,
        RegionMonthRollup,
        StageRollup,
    )

    def table(model, key: list[str], columns: list[str]) -> dict:
        return {
            tuple(row[k] for k in key): {c: row[c] for c in columns}
            for row in model.objects.values(*key, *columns)
        }

    return {
        "fine": table(MonthlyRollup, CELL_KEY, MEASURE_COLUMNS),
        "region_month": table(RegionMonthRollup, ["region_id", "month"], MEASURE_COLUMNS),
        "chain": table(RegionMonthChainRollup, ["region_id", "month", "chain_id"], CHAIN_COLUMNS),
        "stage": table(
            StageRollup,
            ["region_id", "stage", "chain_id", "method_id"],
            ["project_count", "amount"],
        ),
    }


def assert_rollups_equal_python_sums() -> None:
    expected, stored = expected_rollups(), stored_rollups()
    for name in ("fine", "region_month", "chain", "stage"):
        assert stored[name] == expected[name], name
