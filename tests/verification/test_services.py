"""Milestone evidence and its verification (issue 21): the refusals of the issue's "Bad input", the
owner hearing of a return, and the verified total moving through the rollups' one path."""

import datetime as dt
import re
import struct
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.exif import capture_datetime
from core.models import Attachment, Region
from enterprises.services import enterprise_create
from events.services import signing_record
from notifications.models import Kind
from notifications.selectors import notices
from projects.services import project_create
from rollups import refresh
from rollups.models import RegionMonthRollup
from tests.rollups.conftest import assert_rollups_equal_live
from verification import services
from verification.models import MilestoneClaim, State

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "合同.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def signing(demo_users, settings, tmp_path):
    """A 榆次 project signed (formal contract) by 榆次 staff on 2023-02-03."""
    settings.MEDIA_ROOT = tmp_path
    clerk = demo_users["yuci_staff"]
    project = project_create(
        by=clerk,
        name="核实测试项目",
        investor=enterprise_create(name="核实测试投资有限公司"),
        region=Region.objects.get(code="140702"),
        planned_investment=Decimal("5000"),
        registered_on=dt.date(2023, 1, 5),
    )
    return signing_record(by=clerk, project=project, signed_on=dt.date(2023, 2, 3))


def test_a_renamed_file_is_refused_in_chinese_and_nothing_is_saved(signing, demo_users):
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            kind="signed", record=signing, upload=fake, by=demo_users["yuci_staff"]
        )
    assert "文件内容不是 PDF 格式" in " ".join(exc.value.messages)
    assert not MilestoneClaim.objects.exists()
    assert not Attachment.objects.exists()


def test_verifying_or_returning_ones_own_record_is_refused(signing, demo_users):
    city = demo_users["city_staff"]
    own = signing_record(
        by=city, project=signing.project, signed_on=dt.date(2023, 2, 3), agreement_kind="framework"
    )
    claim = services.evidence_add(kind="signed", record=own, upload=pdf(), by=city).record
    for act in (
        lambda: services.claim_verify(claim=claim, by=city),
        lambda: services.claim_return(claim=claim, by=city, reason="x"),
    ):
        with pytest.raises(ValidationError, match="不能核实或退回自己"):
            act()
    assert MilestoneClaim.objects.get().state == State.PENDING


def test_county_staff_may_not_verify_and_the_queue_is_closed_to_them(signing, demo_users):
    claim = services.evidence_add(
        kind="signed", record=signing, upload=pdf(), by=demo_users["yuci_staff"]
    ).record
    with pytest.raises(PermissionDenied):
        services.claim_verify(claim=claim, by=demo_users["taigu_staff"])
    client = Client()
    client.force_login(demo_users["yuci_staff"])
    assert client.get(reverse("verification:queue")).status_code == 403


def test_a_return_needs_a_reason_notifies_the_owner_and_reopens_the_claim(signing, demo_users):
    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    claim = services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk).record
    with pytest.raises(ValidationError, match="退回须填写原因"):
        services.claim_return(claim=claim, by=verifier, reason="  ")
    services.claim_return(claim=claim, by=verifier, reason="合同缺少盖章页")
    heard = notices(user=clerk, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))[Kind.RETURNED]
    assert len(heard) == 1 and "合同缺少盖章页" in heard[0].text
    # Reopened: the clerk adds the missing page and submits again; the notice is gone.
    services.evidence_add(kind="signed", record=signing, upload=pdf("盖章页.pdf"), by=clerk)
    services.claim_resubmit(claim=claim, by=clerk)
    assert MilestoneClaim.objects.get().state == State.PENDING
    assert not notices(user=clerk, since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))[Kind.RETURNED]


def test_verified_evidence_cannot_be_changed(signing, demo_users):
    clerk = demo_users["yuci_staff"]
    attachment = services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk)
    services.claim_verify(claim=attachment.record, by=demo_users["city_staff"])
    with pytest.raises(ValidationError, match="已核实"):
        services.evidence_add(kind="signed", record=signing, upload=pdf("b.pdf"), by=clerk)
    with pytest.raises(ValidationError, match="已核实"):
        services.evidence_remove(attachment=attachment, by=clerk)
    assert Attachment.objects.count() == 1


def test_the_verified_total_moves_through_the_rollups(signing, demo_users):
    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    month = dt.date(2023, 2, 1)
    claim = services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk).record
    refresh.drain_outbox()

    def figures():
        row = RegionMonthRollup.objects.get(region_id=signing.project.region_id, month=month)
        return row.signed_count, row.signed_verified_count, row.signed_verified_amount

    assert figures() == (1, 0, Decimal(0))
    services.claim_verify(claim=claim, by=verifier)
    refresh.drain_outbox()
    assert figures() == (1, 1, Decimal("5000"))
    assert_rollups_equal_live()
    services.claim_return(claim=claim, by=demo_users["admin"], reason="复核发现日期不符")
    refresh.drain_outbox()
    assert figures() == (1, 0, Decimal(0))
    assert_rollups_equal_live()


def test_evidence_downloads_follow_the_projects_scope(signing, demo_users):
    attachment = services.evidence_add(
        kind="signed", record=signing, upload=pdf(), by=demo_users["yuci_staff"]
    )
    url = reverse("attachment_download", args=[attachment.pk])
    for user, status in (("yuci_official", 200), ("city_staff", 200), ("taigu_staff", 404)):
        client = Client()
        client.force_login(demo_users[user])
        assert client.get(url).status_code == status, user


def _jpeg_with_exif(taken: str) -> bytes:
    """A minimal JPEG whose EXIF sub-IFD holds DateTimeOriginal (written here by hand, big-endian:
    independent of core.exif's reader)."""
    value = taken.encode() + b"\0"  # 20 bytes
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHII", 0x8769, 4, 1, 26) + struct.pack(">I", 0)
    sub = struct.pack(">H", 1) + struct.pack(">HHII", 0x9003, 2, 20, 44) + struct.pack(">I", 0)
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + sub + value
    app1 = b"Exif\0\0" + tiff
    return b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + b"\xff\xd9"


def test_a_photos_capture_date_is_read_and_shown_beside_the_claimed_date(signing, demo_users):
    photo = _jpeg_with_exif("2023:02:01 09:30:00")
    assert capture_datetime(photo) == dt.datetime(2023, 2, 1, 9, 30)
    services.evidence_add(
        kind="signed",
        record=signing,
        upload=SimpleUploadedFile("现场.jpg", photo, "image/jpeg"),
        by=demo_users["yuci_staff"],
    )
    client = Client()
    client.force_login(demo_users["city_staff"])
    page = client.get(reverse("verification:project", args=[signing.project_id]))
    text = page.content.decode()
    assert "拍摄于 2023-02-01" in text and "申报日期 2023-02-03" in text


def test_a_return_marked_false_is_deducted_in_the_assessment_until_verified(signing, demo_users):
    """核实为虚假: the verifier's mark on a return is the count the county assessment deducts for
    (2 points each in the default scheme), through a resubmission, until the claim is verified."""
    from scoring.indicators import returned_as_false_counts
    from scoring.periods import assessment_period

    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    yuci = signing.project.region_id
    q1, q2 = assessment_period(2023, "q1"), assessment_period(2023, "q2")
    claim = services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk).record
    services.claim_return(claim=claim, by=verifier, reason="合同与实际不符")
    assert returned_as_false_counts(q1) == {}  # returned to be completed, not as false

    client = Client()
    client.force_login(verifier)
    page = client.get(reverse("verification:detail", args=[claim.pk])).content.decode()
    assert 'data-testid="found-false-badge"' not in page
    services.claim_resubmit(claim=claim, by=clerk)
    page = client.get(reverse("verification:detail", args=[claim.pk])).content.decode()
    assert 'data-testid="found-false"' in page  # the return form's checkbox
    client.post(
        reverse("verification:return", args=[claim.pk]),
        {"reason": "现场无此项目", "found_false": "on"},
    )
    assert MilestoneClaim.objects.get().found_false is True
    page = client.get(reverse("verification:detail", args=[claim.pk])).content.decode()
    assert 'data-testid="found-false-badge"' in page
    assert returned_as_false_counts(q1) == {yuci: 1}  # signed on 2023-02-03: Q1 and later
    assert returned_as_false_counts(assessment_period(2022, "year")) == {}
    assert returned_as_false_counts(q2) == {yuci: 1}  # cumulative from 1 January

    services.evidence_add(kind="signed", record=signing, upload=pdf("真合同.pdf"), by=clerk)
    services.claim_resubmit(claim=claim, by=clerk)
    assert returned_as_false_counts(q1) == {yuci: 1}  # a resubmission does not clear it
    services.claim_verify(claim=claim, by=verifier)
    assert returned_as_false_counts(q1) == {}


def test_an_edit_of_a_verified_record_sends_its_evidence_back_to_pending(signing, demo_users):
    from events.services import signing_update
    from projects.services import project_update

    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    claim = services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk).record
    services.claim_verify(claim=claim, by=verifier)
    refresh.drain_outbox()
    signing_update(signing=signing, by=clerk, amount="6000")
    claim.refresh_from_db()
    assert (claim.state, claim.amount, claim.decided_by) == (State.PENDING, Decimal("6000"), None)
    services.claim_verify(claim=claim, by=verifier)
    # A note edit leaves it verified; moving the project's signing date does not.
    project_update(project=signing.project, by=clerk, notes="备注")
    claim.refresh_from_db()
    assert claim.state == State.VERIFIED
    project_update(project=signing.project, by=clerk, signed_on=dt.date(2023, 2, 4))
    claim.refresh_from_db()
    assert claim.state == State.PENDING
    refresh.drain_outbox()
    assert_rollups_equal_live()


def test_an_amount_edit_sends_a_verified_start_back_to_pending_with_the_new_amount(
    signing, demo_users
):
    from projects.services import project_advance_stage, project_update

    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    project = project_advance_stage(
        project=signing.project, to="started", on=dt.date(2023, 3, 6), by=clerk
    )
    claim = services.evidence_add(kind="started", record=project, upload=pdf(), by=clerk).record
    services.claim_verify(claim=claim, by=verifier)
    refresh.drain_outbox()
    project_update(project=project, by=clerk, planned_investment=Decimal("7000"))
    claim.refresh_from_db()
    assert (claim.state, claim.amount, claim.claimed_on, claim.decided_by) == (
        State.PENDING,
        Decimal("7000"),
        dt.date(2023, 3, 6),
        None,
    )
    refresh.drain_outbox()
    assert_rollups_equal_live()


def test_the_verified_figure_links_to_the_list_of_its_verified_projects(signing, demo_users):
    from core.periods import Period
    from dashboards.selectors import dashboard_data

    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    claim = services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk).record
    services.claim_verify(claim=claim, by=verifier)
    refresh.drain_outbox()
    q1 = Period.of_quarter(2023, 1)
    card = {k["key"]: k for k in dashboard_data(period=q1)["kpis"]}["signed_count"]
    assert card["verified"] == 1 and "verified=signed" in card["verified_url"]
    client = Client()
    client.force_login(verifier)
    page = client.get(card["verified_url"]).content.decode()
    assert signing.project.name in page
    assert re.search(r'data-testid="total-count">\s*1\s*<', page)


def test_the_verified_funds_figure_links_to_the_list_of_its_verified_records(signing, demo_users):
    from core.periods import Period
    from dashboards.selectors import dashboard_data
    from projects.services import funds_record

    clerk, verifier = demo_users["yuci_staff"], demo_users["city_staff"]
    february = funds_record(
        project=signing.project, month=dt.date(2023, 2, 1), amount="1200", by=clerk
    )
    funds_record(project=signing.project, month=dt.date(2023, 3, 1), amount="800", by=clerk)
    claim = services.evidence_add(kind="funds", record=february, upload=pdf(), by=clerk).record
    services.claim_verify(claim=claim, by=verifier)
    refresh.drain_outbox()
    q1 = Period.of_quarter(2023, 1)
    card = {k["key"]: k for k in dashboard_data(period=q1)["kpis"]}["funds_amount"]
    assert (card["value"], card["verified"]) == (Decimal("2000"), Decimal("1200"))
    assert "verified=funds" in card["verified_url"]
    client = Client()
    client.force_login(verifier)
    page = client.get(card["verified_url"]).content.decode()
    assert signing.project.name in page
    assert re.search(r'data-testid="total-count">\s*1\s*<', page)
    # The list sums the verified months only: 1200 万元 = 0.12 亿元.
    assert re.search(r'data-testid="total-funds">\s*0\.12\s*<', page), page[:200]
    # No verified funds in 2023 Q2: the list is empty.
    q2_url = (
        card["verified_url"].replace("2023-01-01", "2023-04-01").replace("2023-03-31", "2023-06-30")
    )
    assert re.search(r'data-testid="total-count">\s*0\s*<', client.get(q2_url).content.decode())
