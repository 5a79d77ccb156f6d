"""The project pipeline (DESIGN.md): stages in order, dates never backwards, every change kept."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import services
from projects.models import PIPELINE, Project, Stage, StageChange
from tests.factories import make_project

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def lead(reference_data, demo_users):
    return make_project(by=demo_users["yuci_staff"], registered_on=D(2023, 1, 2))


def test_lead_advances_stage_by_stage_and_each_change_is_recorded(lead, demo_users):
    staff = demo_users["yuci_staff"]
    for stage, day in [
        (Stage.NEGOTIATING, D(2023, 1, 10)),
        (Stage.SIGNED, D(2023, 2, 3)),
        (Stage.STARTED, D(2023, 3, 1)),
        (Stage.PRODUCING, D(2023, 9, 1)),
        (Stage.AT_CAPACITY, D(2024, 6, 1)),
    ]:
        lead = services.project_advance_stage(project=lead, to=stage, on=day, by=staff)
    assert lead.stage == Stage.AT_CAPACITY
    assert (lead.signed_on, lead.started_on) == (D(2023, 2, 3), D(2023, 3, 1))
    changes = list(StageChange.objects.filter(project=lead).values_list("from_stage", "to_stage"))
    assert changes == [
        ("", "lead"),
        ("lead", "negotiating"),
        ("negotiating", "signed"),
        ("signed", "started"),
        ("started", "producing"),
        ("producing", "at_capacity"),
    ]
    assert StageChange.objects.filter(project=lead).last().changed_by == staff


def test_a_lead_can_be_signed_directly_but_not_started_before_it_is_signed(lead, demo_users):
    staff = demo_users["yuci_staff"]
    with pytest.raises(ValidationError) as info:
        services.project_advance_stage(project=lead, to=Stage.STARTED, on=D(2023, 3, 1), by=staff)
    assert "不能跳过“签约”" in str(info.value.messages)
    signed = services.project_advance_stage(
        project=lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=staff
    )
    assert signed.stage == Stage.SIGNED and signed.negotiating_on is None


def test_milestone_date_before_the_previous_one_is_refused_and_nothing_changes(lead, demo_users):
    staff = demo_users["yuci_staff"]
    services.project_advance_stage(project=lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=staff)
    with pytest.raises(ValidationError) as info:
        services.project_advance_stage(project=lead, to=Stage.STARTED, on=D(2023, 1, 15), by=staff)
    assert "不能早于" in " ".join(info.value.messages)
    lead.refresh_from_db()
    assert lead.stage == Stage.SIGNED and lead.started_on is None
    assert StageChange.objects.filter(project=lead, to_stage=Stage.STARTED).count() == 0


def test_a_milestone_in_the_future_is_refused(lead, demo_users):
    tomorrow = services.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        services.project_advance_stage(
            project=lead, to=Stage.SIGNED, on=tomorrow, by=demo_users["yuci_staff"]
        )
    assert "不能晚于今天" in " ".join(info.value.messages)


def test_planned_date_more_than_ten_years_ahead_is_refused(reference_data):
    far = services.today() + dt.timedelta(days=366 * 10 + 5)
    with pytest.raises(ValidationError) as info:
        make_project(planned_start_on=far)
    assert "计划日期不能超过10年之后" in " ".join(info.value.messages)
    assert not Project.objects.exists()


def test_moving_back_needs_a_reason_clears_later_dates_and_is_recorded(lead, demo_users):
    staff = demo_users["yuci_staff"]
    services.project_advance_stage(project=lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=staff)
    services.project_advance_stage(project=lead, to=Stage.STARTED, on=D(2023, 3, 1), by=staff)
    with pytest.raises(ValidationError):
        services.project_advance_stage(project=lead, to=Stage.SIGNED, on=D(2023, 3, 5), by=staff)
    back = services.project_advance_stage(
        project=lead, to=Stage.SIGNED, on=D(2023, 3, 5), by=staff, reason="开工日期误报"
    )
    assert (
        back.stage == Stage.SIGNED and back.started_on is None and back.signed_on == D(2023, 2, 3)
    )
    change = StageChange.objects.filter(project=lead).last()
    assert change.is_backward and change.reason == "开工日期误报"


def test_drop_needs_a_reason_and_keeps_past_milestones_revival_returns_to_reached_stage(
    lead, demo_users
):
    staff = demo_users["yuci_staff"]
    services.project_advance_stage(project=lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=staff)
    with pytest.raises(ValidationError):
        services.project_advance_stage(project=lead, to=Stage.DROPPED, on=D(2023, 4, 1), by=staff)
    dropped = services.project_advance_stage(
        project=lead, to=Stage.DROPPED, on=D(2023, 4, 1), by=staff, reason="投资方资金链断裂"
    )
    assert dropped.stage == Stage.DROPPED and dropped.signed_on == D(2023, 2, 3)
    with pytest.raises(ValidationError):
        services.project_advance_stage(
            project=dropped, to=Stage.STARTED, on=D(2023, 5, 1), by=staff, reason="x"
        )
    revived = services.project_advance_stage(
        project=dropped, to=Stage.SIGNED, on=D(2023, 5, 1), by=staff, reason="投资方重新注资"
    )
    assert (
        revived.stage == Stage.SIGNED and revived.dropped_on is None and revived.drop_reason == ""
    )


def test_other_county_staff_and_read_only_roles_cannot_change_a_project(lead, demo_users):
    for username in ("taigu_staff", "yuci_official", "leader"):
        with pytest.raises(PermissionDenied):
            services.project_advance_stage(
                project=lead, to=Stage.SIGNED, on=D(2023, 2, 3), by=demo_users[username]
            )
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"planned_investment": Decimal("-1")}, "planned_investment", "不能为负数"),
        ({"planned_investment": Decimal("NaN")}, "planned_investment", "有限数值"),
        ({"planned_investment": Decimal("Infinity")}, "planned_investment", "有限数值"),
        ({"planned_investment": Decimal("100000000.5")}, "planned_investment", "超过1万亿元"),
        ({"fixed_asset_investment": Decimal("-0")}, "fixed_asset_investment", "不能为负数"),
        ({"name": "项" * 201}, "name", "200"),
        ({"name": "   "}, "name", "请输入项目名称"),
        ({"stage": Stage.SIGNED}, "signed_on", "需填写日期"),
        ({"stage": Stage.LEAD, "signed_on": D(2023, 2, 3)}, "signed_on", "尚未进入"),
        (
            {"stage": Stage.STARTED, "signed_on": D(2023, 3, 1), "started_on": D(2023, 2, 1)},
            "started_on",
            "不能早于",
        ),
    ],
)
def test_bad_project_input_is_refused_with_a_message_and_nothing_is_saved(
    reference_data, fields, field, message
):
    amount = fields.pop("planned_investment", Decimal("1000"))
    stage = fields.pop("stage", Stage.LEAD)
    from tests.factories import make_enterprise, region

    investor = make_enterprise("坏输入测试有限公司")
    with pytest.raises(ValidationError) as info:
        services.project_create(
            by=None,
            name=fields.pop("name", "坏输入项目"),
            investor=investor,
            region=region("140702"),
            planned_investment=amount,
            stage=stage,
            registered_on=D(2023, 1, 1),
            **fields,
        )
    assert field in info.value.message_dict, info.value.message_dict
    assert message in " ".join(info.value.message_dict[field])
    assert not Project.all_objects.exists()


def test_html_in_a_name_is_stored_as_typed(reference_data):
    project = make_project(name="<script>alert(1)</script>项目")
    assert Project.objects.get(pk=project.pk).name == "<script>alert(1)</script>项目"


def test_the_same_form_token_creates_one_project(reference_data, demo_users):
    import uuid

    token = uuid.uuid4()
    first = make_project(by=demo_users["yuci_staff"], token=token)
    second = make_project(by=demo_users["yuci_staff"], token=token)
    assert first.pk == second.pk and Project.objects.count() == 1


def test_foreign_currency_keeps_original_and_computes_cny_once(reference_data):
    project = make_project(
        currency="USD",
        original_amount=Decimal("6000"),
        exchange_rate=Decimal("6.8754"),
        rate_date=D(2023, 4, 23),
        amount="0",
    )
    assert project.planned_investment == Decimal("41252.400000")
    with pytest.raises(ValidationError):
        make_project(currency="USD", original_amount=Decimal("6000"))


def test_funds_correction_is_an_edit_not_a_second_record(lead, demo_users):
    staff = demo_users["yuci_staff"]
    services.funds_record(project=lead, month=D(2023, 3, 15), amount="500", by=staff)
    services.funds_record(project=lead, month=D(2023, 3, 1), amount="450万", by=staff)
    assert list(lead.funds.values_list("month", "amount")) == [(D(2023, 3, 1), Decimal("450"))]
    with pytest.raises(ValidationError):
        services.funds_record(project=lead, month=D(2023, 3, 1), amount="-50", by=staff)
    assert lead.funds.get().history.count() == 2


def test_soft_deleted_project_disappears_and_can_be_restored(lead, demo_users):
    staff = demo_users["yuci_staff"]
    services.project_delete(project=lead, by=staff)
    assert not Project.objects.filter(pk=lead.pk).exists()
    services.project_restore(project=Project.all_objects.get(pk=lead.pk), by=staff)
    assert Project.objects.filter(pk=lead.pk).exists()


transitions = st.lists(
    st.tuples(
        st.sampled_from(Stage.values), st.integers(min_value=0, max_value=400), st.booleans()
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=transitions)
def test_any_sequence_of_stage_moves_keeps_dates_in_order(reference_data, steps):
    """Whatever moves are attempted, an accepted state always satisfies the pipeline invariants."""
    project = make_project(registered_on=D(2022, 1, 1))
    for to, offset, with_reason in steps:
        try:
            project = services.project_advance_stage(
                project=project,
                to=to,
                on=D(2022, 1, 1) + dt.timedelta(days=offset),
                by=None,
                reason="测试" if with_reason else "",
            )
        except ValidationError:
            project.refresh_from_db()
        dates = [getattr(project, f) for f in services.ORDERED_MILESTONES if getattr(project, f)]
        assert dates == sorted(dates)
        if project.stage in PIPELINE:
            index = PIPELINE.index(project.stage)
            assert all(
                getattr(project, services.MILESTONE_FIELD[s]) is None for s in PIPELINE[index + 1 :]
            )
            assert all(
                getattr(project, services.MILESTONE_FIELD[s])
                for s in services.REQUIRED_WHEN_REACHED
                if PIPELINE.index(s) <= index
            )
        else:
            assert project.dropped_on and project.drop_reason


_maybe_day = st.one_of(st.none(), st.dates(min_value=D(2020, 1, 1), max_value=D(2020, 1, 8)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    days=st.lists(_maybe_day, min_size=6, max_size=6),
    dropped=_maybe_day,
    stage=st.sampled_from(list(Stage)),
    amount=st.sampled_from([Decimal("-1"), Decimal(0), Decimal("12.5")]),
)
def test_python_rules_cover_every_database_check_constraint(lead, days, dropped, stage, amount):
    """validate_project skips Django's one-query-per-CheckConstraint validation; this proves that a
    project its Python rules accept also passes every constraint (and so never reaches PostgreSQL as
    an IntegrityError, a 500 for the user)."""
    from projects.models import ORDERED_MILESTONES

    project = Project.objects.get(pk=lead.pk)
    for field, day in zip(ORDERED_MILESTONES, days, strict=False):
        setattr(project, field, day)
    project.dropped_on, project.stage, project.planned_investment = dropped, stage, amount
    try:
        services.validate_project(project)
    except ValidationError:
        return
    project.validate_constraints()  # raises if a constraint disagrees with the Python rules
