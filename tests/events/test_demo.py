"""The demo data reproduces the article's figures, leaves 2023 Q1 exactly as it was, and loading it
again changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, Sum

from demo.events_demo import load_events_demo
from events.models import PromotionEvent
from events.selectors import activity_stats, event_batch, event_totals
from projects.models import Project

D = dt.date
pytestmark = pytest.mark.django_db
Q1 = (D(2023, 1, 1), D(2023, 3, 31))


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("events", "projects", "enterprises")
    }


def test_demo_events_show_the_article_figures_and_load_idempotently(settings):
    settings.DEMO = True
    call_command("load_demo", verbosity=0)

    # 2023 Q1 of the article, unchanged by the events' own projects.
    signed = Project.objects.filter(signed_on__range=Q1).aggregate(
        n=Count("id"), total=Sum("planned_investment")
    )
    assert signed == {"n": 39, "total": Decimal("3566900")}
    planned = Project.objects.filter(planned_start_on__range=Q1).aggregate(
        total=Sum("planned_investment")
    )
    assert planned["total"] == Decimal("357800")

    stats = activity_stats(year=2023)
    assert stats.end >= D(2023, 5, 8)
    assert not PromotionEvent.objects.filter(
        start_on__range=(D(2023, 5, 9), D(2023, 12, 31))
    ).exists()
    t = stats.total
    assert (t.activities, t.activity_projects, t.trips, t.trip_projects) == (81, 96, 57, 67)

    taiyuan = PromotionEvent.objects.get(start_on=D(2023, 2, 3), title__contains="双招双引")
    totals = event_totals(event=taiyuan)
    assert (totals.count, totals.amount) == (15, Decimal("3468000"))

    batch_event = PromotionEvent.objects.get(kind__code="three-batches", start_on=D(2023, 2, 22))
    batch = event_batch(event=batch_event, user=None)
    assert batch["started"]["count"] + batch["producing"]["count"] == 73
    assert batch["started"]["amount"] + batch["producing"]["amount"] == Decimal("2196000")
    assert batch["started"]["output"] + batch["producing"]["output"] == Decimal("1953000")

    canton = PromotionEvent.objects.get(start_on=D(2023, 4, 23), title__contains="广交会")
    order = canton.agreements.get()
    assert (order.currency, order.original_amount) == ("USD", Decimal("6000"))

    # Loading the events again writes nothing, not even a history row. (The whole `load_demo` is
    # checked only for the events' part: the enterprises' year figures are the projects demo's.)
    before = _row_counts()
    load_events_demo()
    assert _row_counts() == before
