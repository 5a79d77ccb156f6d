"""The demo events reproduce the article's figures, leave 2023 Q1 exactly as it was, and loading
them again changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count, Sum

from demo.events_demo import load_events_demo
from events.models import PromotionEvent
from events.selectors import activity_stats, event_batch, event_totals
from projects.models import Project

D = dt.date
Q1 = (D(2023, 1, 1), D(2023, 3, 31))


@pytest.fixture
def demo(demo_data, db):
    return None


def test_q1_2023_figures_are_exact_with_the_events_loaded(demo):
    signed = Project.objects.filter(signed_on__range=Q1).aggregate(
        n=Count("id"), total=Sum("planned_investment")
    )
    assert signed == {"n": 39, "total": Decimal("3566900")}
    planned = Project.objects.filter(planned_start_on__range=Q1).aggregate(
        total=Sum("planned_investment")
    )
    assert planned["total"] == Decimal("357800")


def test_activity_statistics_for_2023_match_the_article(demo):
    assert not PromotionEvent.objects.filter(
        start_on__range=(D(2023, 5, 9), D(2023, 12, 31))
    ).exists()  # so the whole year is "up to the article's date"
    t = activity_stats(year=2023).total
    assert (t.activities, t.activity_projects, t.trips, t.trip_projects) == (81, 96, 57, 67)


def test_taiyuan_event_has_its_15_signings_worth_346_8_yi(demo):
    taiyuan = PromotionEvent.objects.get(start_on=D(2023, 2, 3), title__contains="双招双引")
    totals = event_totals(event=taiyuan)
    assert (totals.count, totals.amount) == (15, Decimal("3468000"))
    assert set(taiyuan.signings.values_list("project__signed_on", flat=True)) == {D(2023, 2, 3)}


def test_three_batches_event_has_73_projects_worth_219_6_yi(demo):
    event = PromotionEvent.objects.get(kind__code="three-batches", start_on=D(2023, 2, 22))
    batch = event_batch(event=event, user=None)
    assert batch["started"]["count"] + batch["producing"]["count"] == 73
    assert batch["started"]["amount"] + batch["producing"]["amount"] == Decimal("2196000")
    assert batch["started"]["output"] + batch["producing"]["output"] == Decimal("1953000")
    projects = Project.objects.filter(batch_milestones__event=event)
    assert not projects.filter(signed_on__year=2023).exists()
    assert not projects.filter(planned_start_on__range=Q1).exists()


def test_canton_fair_orders_keep_their_dollars(demo):
    canton = PromotionEvent.objects.get(start_on=D(2023, 4, 23), title__contains="广交会")
    order = canton.agreements.get()
    assert (order.currency, order.original_amount) == ("USD", Decimal("6000"))
    assert order.amount_cny == (Decimal("6000") * order.exchange_rate).quantize(Decimal("0.000001"))


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("events", "projects", "enterprises")
    }


def test_loading_the_events_again_writes_nothing_not_even_history(demo):
    before = _row_counts()
    load_events_demo()
    assert _row_counts() == before
