"""The import's lean paths agree with Django's own: `core.bulk.new_instance` builds what the model
constructor builds, and `core.bulk.clean_fields_remembered` (each field's check remembered by
value) gives what `full_clean` gives, on random rows, with the memo cold and warm."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import post_init, pre_init
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import bulk
from core.models import Region
from enterprises.models import Enterprise
from imports.models import LedgerKey
from projects.models import Project, Stage, StageChange
from projects.services import new_project

pytestmark = pytest.mark.django_db
D = dt.date

_text = st.one_of(
    st.just(""), st.just("  "), st.text(max_size=8), st.text(min_size=199, max_size=260)
)
_day = st.one_of(st.none(), st.dates(min_value=D(1980, 1, 1), max_value=D(2040, 1, 1)))
_amount = st.one_of(
    st.none(),
    st.sampled_from([Decimal("-1"), Decimal(0), Decimal("12.5"), Decimal("1.1234567")]),
    st.sampled_from([Decimal("1234567890123.5"), Decimal("99999999999999.999999")]),
)
_row = st.fixed_dictionaries(
    {
        "name": _text,
        "planned_investment": _amount,
        "fixed_asset_investment": _amount,
        "exchange_rate": _amount,
        "expected_jobs": st.one_of(st.none(), st.integers(min_value=-5, max_value=3_000_000_000)),
        "registered_on": _day,
        "signed_on": _day,
        "notes": _text,
        "is_foreign": st.booleans(),
    },
    optional={
        "stage": st.sampled_from([*Stage.values, "nonsense", ""]),
        "currency": st.sampled_from(["CNY", "USD", "XXX", ""]),
        "creation_token": st.one_of(st.none(), st.uuids()),
    },
)


def test_no_init_signals_are_connected_for_the_models_built_in_bulk():
    """new_instance sends no pre_init / post_init: it must stay that nobody listens."""
    for model in (Project, Project.history.model, StageChange, LedgerKey, Enterprise):
        assert not pre_init.has_listeners(model) and not post_init.has_listeners(model), model


def _state(obj) -> dict:
    data = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    return {"data": data, "cache": dict(obj._state.fields_cache), "adding": obj._state.adding}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(row=_row, with_region=st.booleans(), with_park=st.booleans())
def test_new_instance_builds_what_the_constructor_builds(
    reference_data, row, with_region, with_park
):
    if with_region:
        row = {**row, "region": Region.objects.order_by("id").first()}
    if with_park:
        row = {**row, "park": None}
    lean = bulk.new_instance(Project, row)
    full = Project(**row)
    assert _state(lean) == _state(full)
    with pytest.raises(TypeError):
        bulk.new_instance(Project, {"no_such_field": 1})


def test_new_project_fills_what_project_create_fills(reference_data, demo_users):
    region = Region.objects.order_by("id").first()
    user = demo_users["yuci_staff"]
    row = {"name": "甲", "region": region, "planned_investment": Decimal(1), "stage": "signed"}
    lean = new_project(by=user, row=row, day=D(2024, 5, 6))
    full = Project(stage="signed", name="甲", region=region, planned_investment=Decimal(1))
    full.registered_on, full.owner = D(2024, 5, 6), user
    assert _state(lean) == _state(full)


def _outcome(obj, check) -> tuple:
    try:
        check(obj)
    except ValidationError as exc:
        return ("error", exc.message_dict, _state(obj)["data"])
    return ("ok", None, _state(obj)["data"])


_EXCLUDE = frozenset(f.name for f in Project._meta.concrete_fields if f.is_relation)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(row=_row)
def test_remembered_field_checks_agree_with_full_clean(reference_data, row):
    def full(p):
        p.full_clean(exclude=set(_EXCLUDE), validate_unique=False, validate_constraints=False)

    expected = _outcome(Project(**row), full)
    bulk._cleaned.clear()
    assert _outcome(Project(**row), lambda p: bulk.clean_fields_remembered(p, _EXCLUDE)) == expected
    # Again with every value remembered from the first check.
    assert _outcome(Project(**row), lambda p: bulk.clean_fields_remembered(p, _EXCLUDE)) == expected


def test_a_remembered_value_is_told_apart_by_type():
    """1, True and Decimal(1) are equal and hash alike; their checks are remembered apart."""
    bulk._cleaned.clear()
    for jobs in (True, 1, Decimal("1"), "1"):
        project = Project(
            name="x", planned_investment=Decimal(1), registered_on=D(2024, 1, 1), expected_jobs=jobs
        )
        bulk.clean_fields_remembered(project, _EXCLUDE)
        assert project.expected_jobs == 1 and type(project.expected_jobs) is int
