"""Targets per gap (招商目标清单) and their conversion into a pre-filled lead."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chains import services
from chains.models import ChainTarget
from chains.selectors import chain_targets
from projects.models import ClaimConflict, Project, StageChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(link, demo_users):
    return services.target_create(
        by=demo_users["city_staff"],
        link=link("充换电与加注"),
        name="青岛智充新能源科技有限公司",
        origin="山东青岛",
        priority=ChainTarget.Priority.HIGH,
        notes="充电桩运营商",
    )


def test_target_is_created_with_its_owner(target, demo_users):
    assert target.owner == demo_users["city_staff"]
    assert target.status == ChainTarget.Status.IDENTIFIED and target.is_open


def test_same_enterprise_twice_on_a_link_is_refused(target, link, demo_users):
    with pytest.raises(ValidationError) as exc:
        services.target_create(
            by=demo_users["city_staff"],
            link=link("充换电与加注"),
            name=" 青岛智充新能源科技有限公司 ",
        )
    assert "name" in exc.value.error_dict


def test_read_only_roles_cannot_add_targets(link, demo_users):
    with pytest.raises(PermissionDenied):
        services.target_create(by=demo_users["leader"], link=link("充换电与加注"), name="某公司")


def test_a_target_cannot_be_marked_converted_by_hand(target, demo_users):
    with pytest.raises(ValidationError):
        services.target_update(by=demo_users["city_staff"], target=target, status="converted")


def test_converting_a_target_creates_the_lead_prefilled_and_marks_it_converted(
    target, region, nev_park, demo_users
):
    user = demo_users["city_staff"]
    project = services.target_convert_to_lead(
        by=user, target=target, region=region("JZKFQ"), park=nev_park, planned_investment="2.5亿"
    )
    project.refresh_from_db()
    assert project.stage == "lead"
    assert project.investor.name == "青岛智充新能源科技有限公司"
    assert (project.chain.code, project.chain_link.name) == ("nev", "充换电与加注")
    assert project.park == nev_park and project.region.code == "JZKFQ"
    assert project.method.code == "industry-chain"
    assert project.planned_investment == Decimal("25000")
    assert project.owner == user
    assert "充电桩运营商" in project.notes
    assert (
        project.name == "青岛智充新能源科技有限公司 充换电与加注 project"
        or "充换电与加注" in project.name
    )
    assert StageChange.objects.filter(project=project, to_stage="lead").count() == 1

    target.refresh_from_db()
    assert target.status == ChainTarget.Status.CONVERTED
    assert target.project == project and target.enterprise == project.investor
    assert target.converted_at is not None


def test_converting_twice_is_refused(target, region, demo_users):
    user = demo_users["city_staff"]
    services.target_convert_to_lead(
        by=user, target=target, region=region("JZKFQ"), planned_investment="1000"
    )
    with pytest.raises(ValidationError):
        services.target_convert_to_lead(
            by=user, target=target, region=region("JZKFQ"), planned_investment="1000"
        )
    assert Project.objects.count() == 1


def test_a_resubmitted_conversion_form_creates_one_project(target, region, demo_users):
    token = uuid.uuid4()
    user = demo_users["city_staff"]
    services.target_convert_to_lead(
        by=user, target=target, region=region("JZKFQ"), planned_investment="1000", token=token
    )
    with pytest.raises(ValidationError):
        services.target_convert_to_lead(
            by=user, target=target, region=region("JZKFQ"), planned_investment="1000", token=token
        )
    assert Project.objects.count() == 1


def test_bad_amount_leaves_the_target_open(target, region, demo_users):
    with pytest.raises(ValidationError):
        services.target_convert_to_lead(
            by=demo_users["city_staff"],
            target=target,
            region=region("JZKFQ"),
            planned_investment="-5",
        )
    target.refresh_from_db()
    assert target.is_open and Project.objects.count() == 0


def test_county_staff_converts_only_into_own_region(target, region, demo_users):
    with pytest.raises(PermissionDenied):
        services.target_convert_to_lead(
            by=demo_users["yuci_staff"],
            target=target,
            region=region("140703"),
            planned_investment="1000",
        )
    target.refresh_from_db()
    assert target.is_open
    project = services.target_convert_to_lead(
        by=demo_users["yuci_staff"],
        target=target,
        region=region("140702"),
        planned_investment="1000",
    )
    assert project.region.code == "140702"


def test_conversion_reuses_a_known_investor_and_flags_a_first_report_conflict(
    link, region, make_enterprise, make_project, demo_users
):
    known = make_enterprise("上海换电能源科技有限公司", local=False)
    make_project("换电站项目", link=link("充换电与加注"), region=region("140703"), investor=known)
    target = services.target_create(
        by=demo_users["city_staff"],
        link=link("充换电与加注"),
        name="上海换电能源科技有限公司",
        enterprise=known,
    )
    project = services.target_convert_to_lead(
        by=demo_users["city_staff"],
        target=target,
        region=region("JZKFQ"),
        planned_investment="1000",
    )
    assert project.investor == known
    assert ClaimConflict.objects.filter(project=project).exists()


def test_target_list_puts_gaps_first(target, link, nev_park, make_enterprise, demo_users):
    make_enterprise("晋中锂电", link=link("动力电池"), park=nev_park)
    rows = chain_targets(chain=link("动力电池").chain, user=demo_users["city_staff"])
    assert rows[0][0].link.name == "充换电与加注" and rows[0][1] == [target]
    assert rows[-1][0].link.name == "动力电池"
