"""亮灯: deadline rules (versioned, validated, city staff only) and the lights they give."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lights import services
from lights.models import LightChange, LightRule, SupervisionItem
from projects import services as project_services
from projects.models import Project, Stage
from rollups.refresh import drain_outbox
from tests.factories import make_project, region

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def signed(reference_data, demo_users):
    return make_project(
        by=demo_users["yuci_staff"],
        stage=Stage.SIGNED,
        registered_on=D(2023, 1, 2),
        signed_on=D(2023, 2, 3),
    )


def _refresh(project: Project) -> Project:
    return Project.all_objects.get(pk=project.pk)


def test_default_rule_is_signed_to_started_150_and_180_days(reference_data):
    rule = LightRule.objects.get(is_current=True, from_stage="signed")
    assert (rule.yellow_days, rule.red_days, rule.version) == (150, 180, 1)


def test_signed_project_is_green_then_yellow_then_red_with_since_dates(signed):
    services.lights_refresh(as_of=D(2023, 7, 2))
    assert _refresh(signed).light == "green"
    services.lights_refresh(as_of=D(2023, 7, 3))
    p = _refresh(signed)
    assert (p.light, p.light_reason, p.light_since, p.light_limit) == (
        "yellow",
        "near_limit",
        D(2023, 7, 3),
        150,
    )
    services.lights_refresh(as_of=D(2023, 8, 2))
    p = _refresh(signed)
    assert (p.light, p.light_reason, p.light_since, p.light_limit) == (
        "red",
        "over_limit",
        D(2023, 8, 2),
        180,
    )
    history = list(
        LightChange.objects.filter(project=signed)
        .order_by("id")
        .values_list("light", "rule__version")
    )
    assert history[-3:] == [("green", 1), ("yellow", 1), ("red", 1)]


def test_missed_promise_makes_a_project_red_before_the_limit(reference_data, demo_users):
    p = make_project(
        by=demo_users["yuci_staff"],
        stage=Stage.SIGNED,
        signed_on=D(2023, 2, 3),
        planned_start_on=D(2023, 6, 30),
    )
    services.lights_refresh(as_of=D(2023, 7, 1))
    p = _refresh(p)
    assert (p.light, p.light_reason, p.light_since) == ("red", "promise_missed", D(2023, 7, 1))


def test_a_refresh_that_changes_nothing_writes_no_history(signed):
    services.lights_refresh(as_of=D(2023, 8, 2))
    before = LightChange.objects.count()
    assert services.lights_refresh(as_of=D(2023, 8, 2)) == 0
    assert LightChange.objects.count() == before


def test_refresh_is_a_fixed_number_of_statements_whatever_the_number_of_projects(
    reference_data, demo_users
):
    for _ in range(3):
        make_project(by=demo_users["yuci_staff"], stage=Stage.SIGNED, signed_on=D(2023, 2, 3))
    services.lights_refresh(as_of=D(2023, 1, 1))
    with CaptureQueriesContext(connection) as few:
        services.lights_refresh(as_of=D(2023, 8, 2))
    for _ in range(10):
        make_project(by=demo_users["yuci_staff"], stage=Stage.SIGNED, signed_on=D(2023, 2, 3))
    services.lights_refresh(as_of=D(2023, 1, 1))
    with CaptureQueriesContext(connection) as many:
        services.lights_refresh(as_of=D(2023, 8, 2))
    assert len(few.captured_queries) == len(many.captured_queries)


def test_most_specific_rule_wins_region_then_chain_then_size(signed, demo_users):
    staff = demo_users["city_staff"]
    services.rule_create(
        by=staff,
        from_stage="signed",
        yellow_days=300,
        red_days=400,
        region=region("140702"),
        as_of=D(2023, 8, 2),
    )
    p = _refresh(signed)
    assert p.light == "green"  # 榆次区's own rule: 180 days is not yet 300
    services.rule_create(
        by=staff,
        from_stage="signed",
        yellow_days=10,
        red_days=20,
        min_investment=100_000,
        as_of=D(2023, 8, 2),
    )
    assert _refresh(signed).light == "green"  # 1000 万元 is not ≥ 10亿


def test_changing_a_rule_writes_a_new_version_and_recomputes_every_light(signed, demo_users):
    services.lights_refresh(as_of=D(2023, 8, 2))
    assert _refresh(signed).light == "red"
    rule = LightRule.objects.get(is_current=True, from_stage="signed", region=None)
    new = services.rule_change(
        rule=rule, by=demo_users["city_staff"], yellow_days=170, red_days=200, as_of=D(2023, 8, 2)
    )
    assert (new.series, new.version) == (rule.series, 2)
    assert not LightRule.objects.get(pk=rule.pk).is_current
    p = _refresh(signed)
    assert (p.light, p.light_since) == ("yellow", D(2023, 7, 23))
    last = LightChange.objects.filter(project=signed).latest("id")
    assert last.rule_id == new.pk and last.previous_light == "red"


@pytest.mark.parametrize(
    "yellow, red, message",
    [
        (180, 150, "红灯时限必须长于黄灯时限"),
        (150, 150, "红灯时限必须长于黄灯时限"),
        (-1, 180, "天数不能为负数"),
    ],
)
def test_bad_limits_are_refused_with_a_clear_message_and_nothing_saved(
    demo_users, yellow, red, message
):
    from django.utils import translation

    before = LightRule.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.rule_create(
            by=demo_users["city_staff"], from_stage="started", yellow_days=yellow, red_days=red
        )
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert LightRule.objects.count() == before


def test_a_second_rule_for_the_same_scope_is_refused(demo_users):
    from django.utils import translation

    before = LightRule.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.rule_create(
            by=demo_users["city_staff"], from_stage="signed", yellow_days=10, red_days=20
        )
    assert "已有" in exc.value.messages[0]
    assert LightRule.objects.count() == before


def test_county_staff_may_not_change_rules(demo_users):
    rule = LightRule.objects.get(is_current=True, from_stage="signed")
    with pytest.raises(PermissionDenied):
        services.rule_change(rule=rule, by=demo_users["yuci_staff"], red_days=999)


def test_stage_change_refreshes_the_light_through_the_outbox(signed, demo_users):
    services.lights_refresh()
    assert _refresh(signed).light == "red"  # signed in 2023, not started
    project_services.project_advance_stage(
        project=signed, to=Stage.STARTED, on=D(2024, 1, 5), by=demo_users["yuci_staff"]
    )
    drain_outbox()
    assert _refresh(signed).light == "green"


def test_a_new_red_light_opens_one_supervision_item(signed, demo_users):
    services.lights_refresh(as_of=D(2023, 8, 2))
    items = SupervisionItem.objects.filter(project=signed)
    assert items.count() == 1
    item = items.get()
    assert item.origin == "red_light" and item.status == "open"
    assert item.due_on == D(2023, 8, 17)
    assert item.owner == demo_users["yuci_staff"]
    services.lights_refresh(as_of=D(2023, 8, 1))  # yellow again, then red again
    services.lights_refresh(as_of=D(2023, 8, 2))
    assert SupervisionItem.objects.filter(project=signed).count() == 1


def test_dropped_and_deleted_projects_have_no_light(signed, demo_users):
    services.lights_refresh(as_of=D(2023, 8, 2))
    project_services.project_advance_stage(
        project=signed,
        to=Stage.DROPPED,
        on=D(2023, 9, 1),
        by=demo_users["yuci_staff"],
        reason="撤资",
    )
    services.lights_refresh(as_of=D(2023, 9, 2))
    assert _refresh(signed).light == ""


def test_the_light_history_gives_past_counts_and_a_move_counts_where_the_project_was(
    signed, demo_users
):
    """A project's light on a past day from the history: red from 2023-08-02 on, nothing before;
    moved to another region, it counts there from the day of the move, and in the old region
    before it."""
    from lights.selectors import light_counts_on

    services.lights_refresh()
    yuci, taigu = region("140702").pk, region("140703").pk
    assert light_counts_on(D(2023, 8, 1), stage="signed").get((yuci, "red")) is None
    assert light_counts_on(D(2023, 8, 2), stage="signed")[(yuci, "red")] == 1
    today = dt.date.today()
    assert light_counts_on(today)[(yuci, "red")] == 1
    with CaptureQueriesContext(connection) as read:  # the day's tally, written on first read
        light_counts_on(today)
    assert len(read.captured_queries) == 1 and "lightdaytally" in read.captured_queries[-1]["sql"]
    assert "lightchange" not in read.captured_queries[-1]["sql"]
    project_services.project_update(
        project=signed,
        by=demo_users["city_staff"],
        region=region("140703"),
        owner=demo_users["taigu_staff"],
    )
    drain_outbox()
    now = light_counts_on(today)  # the move's row is in force today: the writer adjusted the tally
    assert now.get((taigu, "red")) == 1 and (yuci, "red") not in now
    assert light_counts_on(today - dt.timedelta(days=1))[(yuci, "red")] == 1
    assert LightChange.objects.filter(project=signed).count() == 2
    assert light_counts_on(D(2023, 8, 2))[(yuci, "red")] == 1  # still valid: nothing new by then
