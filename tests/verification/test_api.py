"""Milestone evidence through the API (issue 21): a multipart upload through the page's service,
the verification state exposed, and the same scoping as the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from verification import services
from verification.models import MilestoneClaim

from .test_services import PDF, signing  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
URL = "/api/v1/milestone-evidence/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_upload_opens_a_pending_claim_and_the_state_follows_the_verifier(signing, demo_users):  # noqa: F811
    clerk = _client(demo_users["yuci_staff"])
    answer = clerk.post(
        URL + "upload/",
        {"kind": "signed", "record_id": signing.pk, "file": SimpleUploadedFile("合同.pdf", PDF)},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    claim = answer.json()
    assert (claim["state"], claim["state_display"]) == ("pending", "待核实")
    assert [f["name"] for f in claim["files"]] == ["合同.pdf"]
    services.claim_verify(
        claim=MilestoneClaim.objects.get(pk=claim["id"]), by=demo_users["city_staff"]
    )
    listed = clerk.get(URL).json()["results"]
    assert [(c["id"], c["state"]) for c in listed] == [(claim["id"], "verified")]
    # Scoped as the pages: another county neither lists nor opens it, nor uploads to it.
    other = _client(demo_users["taigu_staff"])
    assert other.get(URL).json()["results"] == []
    assert other.get(f"{URL}{claim['id']}/").status_code == 404
    refused = other.post(
        URL + "upload/",
        {"kind": "signed", "record_id": signing.pk, "file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    assert refused.status_code == 404


def test_a_renamed_file_is_refused_and_nothing_is_saved(signing, demo_users):  # noqa: F811
    answer = _client(demo_users["yuci_staff"]).post(
        URL + "upload/",
        {
            "kind": "signed",
            "record_id": signing.pk,
            "file": SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 an executable"),
        },
        format="multipart",
    )
    assert answer.status_code == 400
    assert "PDF" in answer.content.decode()
    assert not MilestoneClaim.objects.exists()
