"""events.services: signings move projects through project_advance_stage; bad input saves nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Attachment
from events import selectors, services
from events.models import BatchMilestone, EventAgreement, PromotionEvent, Signing
from projects.models import Project, Stage, StageChange

D = dt.date
pytestmark = pytest.mark.django_db


def test_signing_moves_a_negotiating_project_to_signed_through_the_pipeline_service(
    make_project, make_event
):
    project = make_project("动力电池PACK项目", amount="350000")
    event = make_event()

    signing = services.signing_record(
        by=None, project=project, signed_on=D(2023, 2, 3), event=event
    )

    project.refresh_from_db()
    assert project.stage == Stage.SIGNED
    assert project.signed_on == D(2023, 2, 3)
    change = StageChange.objects.filter(project=project).last()
    assert (change.from_stage, change.to_stage, change.on) == (
        "negotiating",
        "signed",
        D(2023, 2, 3),
    )
    assert signing.amount == Decimal("350000")  # defaults to the planned investment
    assert list(event.projects_negotiated.all()) == [project]


def test_a_project_already_signed_that_day_is_attached_without_moving(make_project, make_event):
    project = make_project(
        "甲醇重卡扩能项目", stage=Stage.SIGNED, signed_on=D(2023, 2, 3), amount="400000"
    )
    changes_before = StageChange.objects.filter(project=project).count()

    services.signing_record(by=None, project=project, signed_on=D(2023, 2, 3), event=make_event())

    project.refresh_from_db()
    assert project.stage == Stage.SIGNED
    assert StageChange.objects.filter(project=project).count() == changes_before


def test_a_started_project_signed_that_day_is_attached_and_stays_started(make_project, make_event):
    project = make_project(
        "专用车项目", stage=Stage.STARTED, signed_on=D(2023, 2, 3), started_on=D(2023, 6, 12)
    )
    services.signing_record(by=None, project=project, signed_on=D(2023, 2, 3), event=make_event())
    project.refresh_from_db()
    assert project.stage == Stage.STARTED


def test_event_totals_add_up_the_signings(make_project, make_event):
    event = make_event()
    a = make_project("项目甲", amount="1000")
    b = make_project("项目乙", amount="2000")
    services.signing_record(
        by=None, project=a, signed_on=D(2023, 2, 3), event=event, amount="3.5亿"
    )
    services.signing_record(
        by=None,
        project=b,
        signed_on=D(2023, 2, 3),
        event=event,
        amount="12345.67",
        agreement_kind="framework",
    )
    totals = selectors.event_totals(event=event)
    assert totals.count == 2
    assert totals.amount == Decimal("47345.670000")
    assert totals.by_kind["framework"] == (1, Decimal("12345.670000"))


def test_the_same_project_cannot_be_signed_twice_at_one_event(make_project, make_event):
    event = make_event()
    project = make_project("项目甲")
    services.signing_record(by=None, project=project, signed_on=D(2023, 2, 3), event=event)

    with pytest.raises(ValidationError) as exc:
        services.signing_record(by=None, project=project, signed_on=D(2023, 2, 3), event=event)
    assert "project" in exc.value.message_dict
    assert Signing.objects.count() == 1


def test_a_signing_needs_a_project(make_event):
    with pytest.raises(ValidationError) as exc:
        services.signing_record(
            by=None, project=None, signed_on=D(2023, 2, 3), event=make_event(), amount="5000"
        )
    assert "project" in exc.value.message_dict
    assert Signing.objects.count() == 0


def test_a_signing_outside_the_event_dates_is_refused(make_project, make_event):
    project = make_project("项目甲")
    with pytest.raises(ValidationError) as exc:
        services.signing_record(
            by=None, project=project, signed_on=D(2023, 2, 4), event=make_event()
        )
    assert "signed_on" in exc.value.message_dict
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


def test_a_bad_amount_is_refused_and_the_project_does_not_move(make_project, make_event):
    project = make_project("项目甲")
    for bad in ("-5", "１２３", "1_000", "NaN"):
        with pytest.raises(ValidationError) as exc:
            services.signing_record(
                by=None,
                project=project,
                signed_on=D(2023, 2, 3),
                event=make_event(title=bad),
                amount=bad,
            )
        assert "amount" in exc.value.message_dict
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


def test_an_earlier_signing_than_the_projects_signing_date_is_refused_a_later_one_is_kept(
    make_project, make_event
):
    project = make_project("项目甲", stage=Stage.SIGNED, signed_on=D(2023, 2, 3))
    with pytest.raises(ValidationError):
        services.signing_record(
            by=None,
            project=project,
            signed_on=D(2023, 1, 20),
            event=make_event(start=D(2023, 1, 20)),
        )
    later = services.signing_record(
        by=None,
        project=project,
        signed_on=D(2023, 3, 1),
        event=make_event(start=D(2023, 3, 1)),
        agreement_kind="formal",
    )
    project.refresh_from_db()
    assert project.signed_on == D(2023, 2, 3) and later.pk


def test_event_end_before_start_is_refused_and_nothing_is_saved(make_event):
    with pytest.raises(ValidationError) as exc:
        make_event(start=D(2023, 2, 3), end=D(2023, 2, 1))
    assert "end_on" in exc.value.message_dict
    assert PromotionEvent.objects.count() == 0


def test_a_one_day_event_ends_the_day_it_starts(make_event):
    assert make_event(start=D(2023, 4, 23)).end_on == D(2023, 4, 23)


def test_an_event_needs_an_organising_region(kinds):
    with pytest.raises(ValidationError) as exc:
        services.event_create(
            by=None,
            kind=kinds["conference"],
            title="x",
            start_on=D(2023, 1, 1),
            place_city="太原",
            organisers=[],
        )
    assert "organisers" in exc.value.message_dict


def test_signings_in_one_go_are_all_or_nothing(make_project, make_event):
    event = make_event()
    good = make_project("项目甲")
    rows = [
        services.SigningRow(project=good, signed_on=D(2023, 2, 3)),
        services.SigningRow(project=None, signed_on=D(2023, 2, 3), amount="5000"),  # no project
    ]
    with pytest.raises(services.SigningRowsError) as exc:
        services.event_signings_record(event=event, by=None, rows=rows)
    assert list(exc.value.row_errors) == [1]
    good.refresh_from_db()
    assert good.stage == Stage.NEGOTIATING
    assert Signing.objects.count() == 0


def test_a_new_project_is_created_and_signed_from_a_row(make_project, make_event, regions):
    event = make_event()
    existing = make_project("项目甲", amount="1000")
    signings = services.event_signings_record(
        event=event,
        by=None,
        rows=[
            services.SigningRow(project=existing, signed_on=D(2023, 2, 3)),
            services.SigningRow(
                signed_on=D(2023, 2, 3),
                amount="2.5亿",
                new_project={
                    "name": "碳基新材料项目",
                    "investor_name": "广东碳源新材料有限公司",
                    "region": regions["140729"],
                },
            ),
        ],
    )
    new = Project.objects.get(name="碳基新材料项目")
    assert new.stage == Stage.SIGNED and new.signed_on == D(2023, 2, 3)
    assert new.planned_investment == Decimal("25000")
    assert new.registered_on == D(2023, 2, 3)
    assert [s.amount for s in signings] == [Decimal("1000"), Decimal("25000")]
    assert selectors.event_totals(event=event).amount == Decimal("26000")


def test_a_batch_ceremony_starts_and_puts_projects_into_production(make_project, make_event):
    event = make_event("三个一批", kind="three-batches", start=D(2023, 2, 22))
    to_start = make_project(
        "甲", stage=Stage.SIGNED, signed_on=D(2022, 5, 1), registered_on=D(2022, 1, 2)
    )
    to_produce = make_project(
        "乙",
        stage=Stage.STARTED,
        signed_on=D(2022, 3, 1),
        registered_on=D(2022, 1, 2),
        started_on=D(2022, 6, 1),
    )

    services.event_batch_record(event=event, by=None, milestone="started", projects=[to_start])
    services.event_batch_record(event=event, by=None, milestone="producing", projects=[to_produce])
    # Recording the same batch again changes nothing.
    services.event_batch_record(event=event, by=None, milestone="started", projects=[to_start])

    to_start.refresh_from_db()
    to_produce.refresh_from_db()
    assert (to_start.stage, to_start.started_on) == (Stage.STARTED, D(2023, 2, 22))
    assert (to_produce.stage, to_produce.producing_on) == (Stage.PRODUCING, D(2023, 2, 22))
    assert BatchMilestone.objects.count() == 2


def test_only_a_batch_ceremony_records_starts(make_project, make_event):
    project = make_project(
        "甲", stage=Stage.SIGNED, signed_on=D(2022, 5, 1), registered_on=D(2022, 1, 2)
    )
    with pytest.raises(ValidationError):
        services.event_batch_record(
            event=make_event(), by=None, milestone="started", projects=[project]
        )


def test_a_foreign_currency_order_keeps_its_figures_and_the_cny_equivalent(make_event):
    event = make_event("广交会", kind="expo", start=D(2023, 4, 23))
    order = services.agreement_record(
        event=event,
        by=None,
        kind=EventAgreement.Kind.EXPORT_ORDER,
        description="出口订单",
        currency="USD",
        original_amount="6000",
        exchange_rate="6.8847",
        rate_date=D(2023, 4, 21),
    )
    assert order.original_amount == Decimal("6000")
    assert order.amount_cny == Decimal("41308.200000")


def test_a_foreign_order_without_a_rate_is_refused(make_event):
    event = make_event("广交会", kind="expo", start=D(2023, 4, 23))
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(
            event=event,
            by=None,
            kind="export_order",
            description="订单",
            currency="USD",
            original_amount="6000",
        )
    assert "exchange_rate" in exc.value.message_dict
    assert EventAgreement.objects.count() == 0


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_allowed_attachment_is_stored_under_media_root(make_event, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = make_event()
    attachment = services.attachment_add(
        event=event, by=None, file=SimpleUploadedFile("协议.pdf", PDF, "application/pdf")
    )
    assert attachment.mime_type == "application/pdf"
    assert attachment.record == event
    assert attachment.original_name == "协议.pdf"
    assert (tmp_path / attachment.file.name).read_bytes() == PDF
    assert "协议" not in attachment.file.name  # our name on disk, not the uploader's


def test_an_attachment_that_is_too_big_is_refused(make_event, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(
            event=make_event(), by=None, file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)
        )
    assert "file" in exc.value.message_dict
    assert Attachment.objects.count() == 0
    assert not any(tmp_path.rglob("*.pdf"))


@pytest.mark.parametrize(
    "name,content",
    [
        ("run.exe", b"MZ\x90\x00"),
        ("page.html", b"<html></html>"),
        ("fake.pdf", b"MZ not a pdf"),
        ("photo.png", b"\xff\xd8\xff\xe0 a jpeg"),
    ],
)
def test_an_attachment_of_a_wrong_type_is_refused(make_event, settings, tmp_path, name, content):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as exc:
        services.attachment_add(event=make_event(), by=None, file=SimpleUploadedFile(name, content))
    assert "file" in exc.value.message_dict
    assert Attachment.objects.count() == 0


def test_county_staff_cannot_record_another_regions_event(make_event, demo_users):
    with pytest.raises(PermissionDenied):
        make_event(organisers=("140703",), by=demo_users["yuci_staff"])
    own = make_event(organisers=("140702",), by=demo_users["yuci_staff"])
    assert own.pk


def test_county_staff_cannot_sign_another_regions_project(make_project, make_event, demo_users):
    event = make_event(organisers=("140702",))
    other = make_project("太谷项目", region="140703")
    with pytest.raises(PermissionDenied):
        services.signing_record(
            by=demo_users["yuci_staff"], project=other, signed_on=D(2023, 2, 3), event=event
        )
    other.refresh_from_db()
    assert other.stage == Stage.NEGOTIATING


def test_county_staff_editing_a_joint_event_keeps_other_regions_projects(
    make_project, make_event, demo_users
):
    yuci = make_project("榆次项目", region="140702")
    taigu = make_project("太谷项目", region="140703")
    event = make_event(organisers=("140702", "140703"), negotiated=[yuci, taigu])

    services.event_update(
        event=event, by=demo_users["yuci_staff"], projects_negotiated=[], title="联合推介会"
    )

    assert set(event.projects_negotiated.all()) == {taigu}
    event.refresh_from_db()
    assert event.title == "联合推介会"
