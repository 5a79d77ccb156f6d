"""The demo data reproduces the source article's figures, and loading it twice changes nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from enterprises.models import Enterprise, IndustrialPark
from projects.models import FundsInPlace, Project


def _totals(**filters):
    return Project.objects.filter(**filters).aggregate(
        n=Count("id"), amount=Sum("planned_investment")
    )


@pytest.fixture
def demo(demo_data, db):
    return None


def test_q1_2023_has_39_signed_projects_worth_356_69_yi(demo):
    totals = _totals(signed_on__range=("2023-01-01", "2023-03-31"))
    assert totals == {"n": 39, "amount": Decimal("3566900")}


def test_taiyuan_conference_signed_15_projects_worth_346_8_yi(demo):
    assert _totals(signed_on="2023-02-03") == {"n": 15, "amount": Decimal("3468000")}


def test_q1_2023_expected_new_start_is_35_78_yi(demo):
    totals = _totals(planned_start_on__range=("2023-01-01", "2023-03-31"))
    assert totals["amount"] == Decimal("357800")


def test_named_enterprises_and_places_of_the_article_exist(demo):
    geely = Enterprise.objects.get(name="吉利汽车晋中基地")
    assert geely.tier == "100yi" and geely.latest_output_value == Decimal("2330000")
    assert geely.chain_roles.filter(level="provincial", kind="leader").exists()
    antai = Enterprise.objects.get(name="山西安泰集团股份有限公司")
    assert set(antai.chain_roles.values_list("level", "kind")) == {
        ("provincial", "core"),
        ("municipal", "leader"),
    }
    beef = Enterprise.objects.get(name="平遥牛肉集团有限公司").year_figures.get(year=2022)
    assert (beef.revenue, beef.profit, beef.tax) == (
        Decimal("71000"),
        Decimal("2022"),
        Decimal("5209"),
    )
    assert IndustrialPark.objects.filter(kind="specialty_town").count() == 4
    talks = _totals(
        region__code="JZKFQ",
        method__code__in=["market-based", "resident-office"],
        stage="negotiating",
    )
    assert talks == {"n": 14, "amount": Decimal("1056800")}


def test_loading_twice_changes_nothing(demo):
    before = (
        Project.all_objects.count(),
        Enterprise.all_objects.count(),
        FundsInPlace.objects.count(),
    )
    call_command("load_demo", verbosity=0)
    assert (
        Project.all_objects.count(),
        Enterprise.all_objects.count(),
        FundsInPlace.objects.count(),
    ) == before
