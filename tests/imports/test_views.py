"""Upload, preview, confirm and rollback pages; templates download; access."""

import pytest
from django.urls import reverse

from imports import services
from imports.models import ImportBatch
from projects.models import Project

from .ledgers import csv_bytes, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _upload(client, data, name="台账.xlsx", kind="projects"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("imports:index"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def test_index_lists_templates_and_history(client, demo_users):
    client.force_login(demo_users["city_staff"])
    response = client.get("/imports/")
    assert response.status_code == 200
    assert reverse("imports:template", args=["projects"]) in response.content.decode()


def test_read_only_roles_cannot_import(client, demo_users):
    client.force_login(demo_users["leader"])
    assert client.get("/imports/").status_code == 403


def test_template_download(client, demo_users):
    client.force_login(demo_users["city_staff"])
    response = client.get("/imports/templates/projects.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/imports/templates/nonsense.xlsx").status_code == 404


def test_upload_preview_confirm_and_rollback(client, demo_users):
    client.force_login(demo_users["yuci_staff"])
    response = _upload(
        client, xlsx_bytes([project_row(), project_row(项目名称="二号", 县区="太谷区")])
    )
    batch = ImportBatch.objects.get()
    assert response.url == reverse("imports:batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "您只能修改本地区的数据" in page
    assert batch.summary["error"] == 1
    assert client.post(reverse("imports:confirm", args=[batch.pk])).status_code == 302
    assert not Project.objects.exists()

    _upload(client, csv_bytes([project_row()], encoding="gbk"), name="台账.csv")
    batch = ImportBatch.objects.latest("id")
    assert batch.can_confirm
    client.post(reverse("imports:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Project.objects.get().owner == demo_users["yuci_staff"]
    client.post(reverse("imports:rollback", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert not Project.objects.exists()


def test_a_file_whose_every_row_has_an_error_is_not_shown_as_awaiting_confirmation(
    client, demo_users
):
    client.force_login(demo_users["yuci_staff"])
    response = _upload(client, xlsx_bytes([project_row(县区="太谷区")]))  # another county's row
    batch = ImportBatch.objects.get()
    assert batch.summary["error"] == batch.row_count == 1
    for page in (client.get(response.url), client.get(reverse("imports:index"))):
        text = page.content.decode()
        assert "已检查，每行都有错误，无法导入" in text
        assert "已检查，待确认导入" not in text

    _upload(client, xlsx_bytes([project_row()]))
    assert "已检查，待确认导入" in client.get(reverse("imports:index")).content.decode()


def test_another_users_batch_is_404(client, demo_users):
    batch = services.batch_create(
        kind="projects", filename="a.csv", data=b"x", by=demo_users["yuci_staff"]
    )
    client.force_login(demo_users["taigu_staff"])
    assert client.get(reverse("imports:batch", args=[batch.pk])).status_code == 404


def test_large_file_is_checked_by_a_worker_after_commit(
    client, demo_users, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(services, "ASYNC_ROW_THRESHOLD", 1)
    monkeypatch.setattr("imports.tasks.preview_batch.delay", lambda pk: sent.append(pk))
    client.force_login(demo_users["city_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, xlsx_bytes([project_row(), project_row(项目名称="二号")]))
    batch = ImportBatch.objects.get()
    assert sent == [batch.pk]
    assert batch.status == ImportBatch.Status.PREVIEWING
    page = client.get(response.url).content.decode()
    assert f'hx-get="/imports/{batch.pk}/status/"' in page
