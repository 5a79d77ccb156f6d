"""Small hand-made fixtures for the events tests: event kinds, two regions' projects, users."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import Region
from demo.events_demo import load_event_kinds
from enterprises import services as enterprise_services
from events import services
from events.models import EventKind
from projects import services as project_services
from projects.models import Stage

D = dt.date
TAIYUAN_DAY = D(2023, 2, 3)


@pytest.fixture
def kinds(reference_data):
    load_event_kinds()
    return {k.code: k for k in EventKind.objects.all()}


@pytest.fixture
def regions(reference_data):
    return {r.code: r for r in Region.objects.all()}


@pytest.fixture
def investor(db):
    return enterprise_services.enterprise_create(name="江苏华能动力电池科技有限公司")


@pytest.fixture
def make_project(regions, investor):
    def make(
        name: str,
        *,
        region: str = "140702",
        amount: str = "10000",
        stage=Stage.NEGOTIATING,
        **fields,
    ):
        fields.setdefault("registered_on", D(2023, 1, 2))
        if stage == Stage.NEGOTIATING:
            fields.setdefault("negotiating_on", D(2023, 1, 5))
        return project_services.project_create(
            by=None,
            name=name,
            investor=investor,
            region=regions[region],
            planned_investment=Decimal(amount),
            stage=stage,
            **fields,
        )

    return make


@pytest.fixture
def make_event(kinds, regions):
    def make(
        title: str = "晋中招商推介会",
        *,
        kind: str = "conference",
        start=TAIYUAN_DAY,
        end=None,
        organisers=("140700",),
        negotiated=(),
        by=None,
    ):
        return services.event_create(
            by=by,
            kind=kinds[kind],
            title=title,
            start_on=start,
            end_on=end,
            place_city="太原市",
            place_province="山西省",
            organisers=[regions[c] for c in organisers],
            projects_negotiated=negotiated,
        )

    return make
