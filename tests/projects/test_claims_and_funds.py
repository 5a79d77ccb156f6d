"""The write services' rules on what enters: names matched and refused by their invisible
characters, 首报首谈 checked by project_create and project_update themselves, funds in place
never before the signing month."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.textnorm import normalize_name
from enterprises import services as enterprise_services
from events.models import PromotionEvent
from projects import services
from projects.models import ClaimConflict, FundsInPlace, Stage
from tests.factories import make_enterprise, make_project, region

pytestmark = pytest.mark.django_db
D = dt.date


def test_zero_width_and_format_characters_do_not_change_the_normalised_name():
    plain = normalize_name("吉利汽车晋中基地")
    assert normalize_name("吉利汽车\u200b晋中基地") == plain
    assert normalize_name("吉利\u2060汽车晋中基地\ufeff") == plain
    assert normalize_name("\u202e吉利汽车晋中基地") == plain


def test_an_enterprise_name_with_a_direction_override_is_refused(reference_data):
    with pytest.raises(ValidationError) as caught:
        enterprise_services.enterprise_create(name="吉利汽车\u202e晋中基地")
    assert "不可见" in caught.value.message_dict["name"][0]
    enterprise = make_enterprise("晋中示范企业")
    with pytest.raises(ValidationError):
        enterprise_services.contact_add(enterprise=enterprise, name="王\u200f总", phone="")


def test_a_project_or_event_name_with_a_bidi_isolate_is_refused(reference_data, demo_users):
    with pytest.raises(ValidationError) as caught:
        make_project(name="精品钢\u2067项目")
    assert "不可见" in caught.value.message_dict["name"][0]
    project = make_project(name="精品钢项目")
    with pytest.raises(ValidationError):
        services.project_update(project=project, by=None, name="精品钢\u061c项目")
    from demo.events_demo import load_event_kinds
    from events import services as event_services
    from events.models import EventKind

    load_event_kinds()
    with pytest.raises(ValidationError) as caught:
        event_services.event_create(
            by=None,
            kind=EventKind.objects.first(),
            title="推介会\u202a",
            start_on=D(2023, 2, 3),
            place_city="太原市",
            organisers=[region("140700")],
        )
    assert "title" in caught.value.message_dict
    assert not PromotionEvent.objects.exists()


def test_a_park_name_with_a_direction_override_is_refused_by_its_admin_form(reference_data):
    from enterprises.models import IndustrialPark

    park = IndustrialPark(name="新能源\u202e产业园", region=region("140702"))
    with pytest.raises(ValidationError) as caught:
        park.full_clean()
    assert "name" in caught.value.message_dict


def test_project_create_itself_registers_the_first_report_conflict(reference_data):
    investor = make_enterprise("晋商动力电池有限公司")
    holder = make_project(name="榆次先报", investor=investor, region_code="140702")
    later = make_project(name="太谷后报", investor=investor, region_code="140703")
    conflict = ClaimConflict.objects.get()
    assert (conflict.project, conflict.holder, conflict.matched_by) == (later, holder, "name")
    # Another project of the same county is no conflict; checking again adds nothing.
    make_project(name="榆次二期", investor=investor, region_code="140702")
    assert services.claims_register(projects=[later]) == []
    assert ClaimConflict.objects.count() == 1


def test_an_investor_typed_with_a_zero_width_space_is_matched_across_counties(
    reference_data, demo_users
):
    geely = make_enterprise("吉利汽车晋中基地")
    holder = make_project(name="开发区整车", investor=geely, region_code="JZKFQ")
    project, conflicts = services.quick_lead_create(
        by=demo_users["yuci_staff"],
        name="榆次配套",
        investor_name="吉利汽车\u200b晋中基地",
        region=region("140702"),
        planned_investment="100",
    )
    assert project.investor == geely
    assert [(c.holder, c.matched_by) for c in conflicts] == [(holder, "name")]


def test_funds_before_the_signing_month_are_refused_by_the_service(reference_data):
    project = make_project(stage=Stage.SIGNED, signed_on=D(2023, 2, 15))
    with pytest.raises(ValidationError) as caught:
        services.funds_record(project=project, month=D(2023, 1, 1), amount="100", by=None)
    assert "签约" in caught.value.message_dict["month"][0]
    assert not FundsInPlace.objects.exists()
    # The signing month itself and later are fine (funds are recorded by month).
    services.funds_record(project=project, month=D(2023, 2, 1), amount="100", by=None)
    services.funds_record(project=project, month=D(2023, 3, 1), amount="100", by=None)
    assert FundsInPlace.objects.count() == 2
