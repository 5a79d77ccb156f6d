"""Uploads: type by content, size limit, private storage, scope-checked download."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.services import attachment_add
from core.files import validate_upload
from tests.security.conftest import PDF, pdf_upload

pytestmark = pytest.mark.django_db


def _xlsx_bytes() -> bytes:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def test_pdf_and_xlsx_are_accepted_by_content():
    assert validate_upload(pdf_upload()).mime == "application/pdf"
    xlsx = SimpleUploadedFile("台账.xlsx", _xlsx_bytes())
    assert validate_upload(xlsx).extensions == (".xlsx",)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contract.pdf", b"<html><script>alert(1)</script></html>"),  # lies about its type
        ("page.html", b"<html></html>"),
        ("evil.exe", b"MZ\x90\x00"),
        ("contract.exe", PDF),  # right bytes, wrong extension
        ("random.xlsx", b"PK\x03\x04not really a zip"),
    ],
)
def test_other_files_are_refused(name, content):
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile(name, content))


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "x")
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("book.xlsx", buffer.getvalue()))


def test_oversized_and_empty_files_are_refused():
    with pytest.raises(ValidationError, match="大于|larger"):
        validate_upload(pdf_upload(), max_bytes=10)
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("empty.pdf", b""))


def test_stored_under_random_name_outside_static(county_objects, settings):
    attachment = county_objects["attachment"]["yuci_open"]
    assert attachment.original_name == "contract.pdf"
    assert attachment.file.name.startswith("private/") and "contract" not in attachment.file.name
    assert str(settings.MEDIA_ROOT) not in str(settings.STATIC_ROOT)


def test_download_is_for_those_who_see_the_project(demo_users, county_objects):
    attachment = county_objects["attachment"]["yuci_secret"]
    url = reverse("attachment_download", kwargs={"pk": attachment.pk})
    own = Client()
    own.force_login(demo_users["yuci_official"])
    response = own.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    # A PDF or photo opens in the browser (nosniff); every other type is a download.
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    other = Client()
    other.force_login(demo_users["taigu_staff"])
    assert other.get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_only_editors_of_the_record_may_attach(demo_users, county_objects):
    project = county_objects["project"]["yuci_open"]
    with pytest.raises(PermissionDenied):
        attachment_add(record=project, upload=pdf_upload(), by=demo_users["yuci_official"])
    with pytest.raises(PermissionDenied):
        attachment_add(record=project, upload=pdf_upload(), by=demo_users["taigu_staff"])
    attachment_add(record=project, upload=pdf_upload(), by=demo_users["yuci_staff"])
