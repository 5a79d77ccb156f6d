"""Property: after any sequence of edits (valid or rejected) and a drain, the rollups equal the sums
of the source rows taken in Python (moves between regions, chains, parks and origin flags
included). The oracle, conftest.expected_rollups, shares no SQL with rollups.refresh; the
verification query (compare_with_live) must agree with it too."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import services as project_services
from projects.models import Project
from rollups import refresh

from .conftest import assert_rollups_equal_live, assert_rollups_equal_python_sums

DATES = [dt.date(2023, m, d) for m in (1, 2, 3, 5) for d in (1, 15, 28)]
date = st.sampled_from(DATES)
step = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 2), date, st.integers(1, 9)),
    st.tuples(st.just("sign"), st.integers(0, 5), date),
    st.tuples(st.just("start"), st.integers(0, 5), date),
    st.tuples(st.just("back"), st.integers(0, 5), date),
    st.tuples(st.just("drop"), st.integers(0, 5), date),
    st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 2)),
    st.tuples(st.just("redate"), st.integers(0, 5), date, date),
    st.tuples(st.just("amount"), st.integers(0, 5), st.integers(1, 9)),
    st.tuples(st.just("chain"), st.integers(0, 5), st.integers(0, 1)),
    st.tuples(st.just("park"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("flags"), st.integers(0, 5), st.booleans(), st.booleans(), st.booleans()),
    st.tuples(st.just("funds"), st.integers(0, 5), date, st.integers(1, 9)),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("restore"), st.integers(0, 5)),
)


def _apply(world, step_) -> None:
    regions = [world.yuci, world.taigu, world.qixian]
    parks = {park.region_id: park for park in world.parks}
    kind, i, *args = step_
    projects = list(Project.all_objects.order_by("id"))
    if kind == "create":
        day, amount = args
        world.project(
            region=regions[i], registered_on=day, planned_investment=Decimal(amount * 1000)
        )
        return
    if not projects:
        return
    project = projects[i % len(projects)]
    if kind == "sign":
        project_services.project_advance_stage(project=project, to="signed", on=args[0], by=None)
    elif kind == "start":
        project_services.project_advance_stage(project=project, to="started", on=args[0], by=None)
    elif kind == "back":
        project_services.project_advance_stage(
            project=project, to="negotiating", on=args[0], by=None, reason="退回洽谈"
        )
    elif kind == "drop":
        project_services.project_advance_stage(
            project=project, to="dropped", on=args[0], by=None, reason="终止"
        )
    elif kind == "move":
        region = regions[args[0]]  # a project in a park moves to the new region's park (if any)
        park = parks.get(region.pk) if project.park_id else None
        project_services.project_update(project=project, by=None, region=region, park=park)
    elif kind == "redate":
        project_services.project_update(
            project=project, by=None, signed_on=args[0], planned_start_on=args[1]
        )
    elif kind == "amount":
        project_services.project_update(
            project=project, by=None, planned_investment=Decimal(args[0] * 777)
        )
    elif kind == "chain":
        project_services.project_update(project=project, by=None, chain=world.chains[args[0]])
    elif kind == "park":  # into its region's park, or out of any
        park = parks.get(project.region_id) if args[0] else None
        project_services.project_update(project=project, by=None, park=park)
    elif kind == "flags":
        confidential, foreign, out_of_province = args
        project_services.project_update(
            project=project,
            by=None,
            is_confidential=confidential,
            is_foreign=foreign,
            is_out_of_province=out_of_province,
        )
    elif kind == "funds":
        project_services.funds_record(
            project=project, month=args[0], amount=Decimal(args[1] * 100), by=None
        )
    elif kind == "delete":
        project_services.project_delete(project=project, by=None)
    elif kind == "restore":
        project_services.project_restore(project=project, by=None)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    initial=st.lists(
        st.tuples(st.just("create"), st.integers(0, 2), date, st.integers(1, 9)),
        min_size=1,
        max_size=3,
    ),
    steps=st.lists(step, min_size=1, max_size=12),
)
def test_rollups_equal_the_live_aggregate_after_any_edit_sequence(world, initial, steps):
    with transaction.atomic():
        for step_ in initial + steps:
            try:
                with transaction.atomic():
                    _apply(world, step_)
            except (ValidationError, Project.DoesNotExist):
                pass  # a rejected edit (or one on a deleted project) must leave nothing behind
            if len(steps) % 2:  # sometimes drain after every step, sometimes once at the end
                refresh.drain_outbox()
        refresh.drain_outbox()
        assert_rollups_equal_python_sums()
        assert_rollups_equal_live()
        transaction.set_rollback(True)
