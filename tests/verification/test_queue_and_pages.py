"""The verifier's queue filtered by region, milestone and age; the configurable evidence each
milestone needs, as the pages show it; the verified totals beside the reported ones in the API;
and the pages' refusals of a decision or an upload by someone who may not (issue 21)."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Attachment, Region
from enterprises.services import enterprise_create
from events.services import signing_record
from projects.services import project_create
from rollups import refresh
from verification import services
from verification.models import EvidenceRequirement, MilestoneClaim, State

from .test_services import pdf, signing  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(response) -> list[str]:
    return sorted(c.project.name for c in response.context["page"])


@pytest.fixture
def two_claims(signing, demo_users):  # noqa: F811
    """Pending evidence of the 榆次 signing (sent 40 days ago) and of a 太谷 signing (today)."""
    yuci = services.evidence_add(
        kind="signed", record=signing, upload=pdf(), by=demo_users["yuci_staff"]
    ).record
    MilestoneClaim.objects.filter(pk=yuci.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=40)
    )
    taigu_staff = demo_users["taigu_staff"]
    project = project_create(
        by=taigu_staff,
        name="太谷核实测试项目",
        investor=enterprise_create(name="太谷核实投资有限公司"),
        region=Region.objects.get(code="140703"),
        planned_investment=Decimal("3000"),
        registered_on=dt.date(2023, 1, 6),
    )
    taigu_signing = signing_record(by=taigu_staff, project=project, signed_on=dt.date(2023, 3, 3))
    services.evidence_add(kind="signed", record=taigu_signing, upload=pdf(), by=taigu_staff)
    return yuci


def test_the_queue_filters_by_region_milestone_and_age(two_claims, demo_users):
    client = _client(demo_users["city_staff"])
    url = reverse("verification:queue")
    assert _names(client.get(url)) == ["太谷核实测试项目", "核实测试项目"]
    assert _names(client.get(url, {"state": "pending", "region": "140702"})) == ["核实测试项目"]
    assert _names(client.get(url, {"state": "pending", "age": "30"})) == ["核实测试项目"]
    assert _names(client.get(url, {"state": "pending", "kind": "signed"})) == [
        "太谷核实测试项目",
        "核实测试项目",
    ]
    empty = client.get(url, {"state": "pending", "kind": "funds"})
    assert _names(empty) == [] and 'data-testid="queue-empty"' in empty.content.decode()


def test_what_each_milestone_needs_is_configurable_and_shown(two_claims, demo_users):
    # The defaults are verification.0002's rows; a flush by an earlier transactional test in this
    # worker removes them, so they are written again as that migration writes them.
    defaults = importlib.import_module("verification.migrations.0002_default_requirements")
    defaults.forward(django_apps, None)
    requirement = EvidenceRequirement.objects.get(kind="signed")
    assert "投资协议" in requirement.requirement  # the default
    requirement.requirement = "投资协议/合同（含双方盖章页）"
    requirement.save()
    verifier = _client(demo_users["city_staff"])
    assert (
        "投资协议/合同（含双方盖章页）"
        in verifier.get(reverse("verification:queue")).content.decode()
    )
    page = _client(demo_users["yuci_staff"]).get(
        reverse("verification:project", args=[two_claims.project_id])
    )
    assert "投资协议/合同（含双方盖章页）" in page.content.decode()


def test_the_api_gives_verified_totals_beside_the_reported_ones(two_claims, demo_users):
    api = APIClient()
    api.force_authenticate(demo_users["city_staff"])

    def q1():
        refresh.drain_outbox()
        answer = api.get("/api/v1/rollups/", {"year": 2023, "quarter": 1})
        assert answer.status_code == 200, answer.content
        return answer.json()

    before = q1()
    assert "核实" in before["verified_caliber"]
    row = before["results"][0]
    assert (row["signed_count"], row["verified_signed_count"]) == (2, 0)
    services.claim_verify(claim=two_claims, by=demo_users["city_staff"])
    row = q1()["results"][0]
    assert (row["signed_count"], row["verified_signed_count"]) == (2, 1)
    assert Decimal(row["verified_signed_amount"]) == Decimal("5000")


def test_the_pages_refuse_a_decision_or_an_upload_by_someone_who_may_not(two_claims, demo_users):
    claim = two_claims
    # County staff may not verify, even evidence of their own county.
    refused = _client(demo_users["yuci_staff"]).post(
        reverse("verification:verify", args=[claim.pk])
    )
    assert refused.status_code == 403
    # Another county neither sees the record nor uploads to it.
    other = _client(demo_users["taigu_staff"])
    upload = other.post(
        reverse("verification:upload", args=["signed", claim.object_id]),
        {"file": SimpleUploadedFile("合同.pdf", pdf().read())},
    )
    assert upload.status_code == 404
    # A county official reads but does not write.
    official = _client(demo_users["yuci_official"]).post(
        reverse("verification:upload", args=["signed", claim.object_id]),
        {"file": SimpleUploadedFile("合同.pdf", pdf().read())},
    )
    assert official.status_code == 403
    assert MilestoneClaim.objects.get(pk=claim.pk).state == State.PENDING
    assert Attachment.objects.filter(object_id=claim.pk).count() == 1


def test_evidence_takes_word_and_excel_files_and_serves_them_as_downloads(signing, demo_users):  # noqa: F811
    import io

    from docx import Document
    from openpyxl import Workbook

    word, sheet = io.BytesIO(), io.BytesIO()
    Document().save(word)
    Workbook().save(sheet)
    clerk = demo_users["yuci_staff"]
    client = _client(clerk)
    for name, data, mime in (
        ("投资协议.docx", word.getvalue(), "wordprocessingml"),
        ("到位明细.xlsx", sheet.getvalue(), "spreadsheetml"),
    ):
        attachment = services.evidence_add(
            kind="signed", record=signing, upload=SimpleUploadedFile(name, data), by=clerk
        )
        assert mime in attachment.mime_type
        response = client.get(reverse("attachment_download", args=[attachment.pk]))
        assert response.status_code == 200
        # Only PDF and photos open in the browser; every other type is a download.
        assert response["Content-Disposition"].startswith("attachment")
