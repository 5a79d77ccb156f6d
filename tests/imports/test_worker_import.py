"""A large ledger checked and imported by the real Celery worker, the page polling its progress."""

import time

import pytest
from django.urls import reverse

from imports import services
from imports.models import ImportBatch
from projects.models import Project

from .ledgers import project_row, xlsx_bytes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait_until_done(client, batch_id, deadline_s=120):
    deadline = time.monotonic() + deadline_s
    seen = []
    while time.monotonic() < deadline:
        response = client.get(reverse("imports:status", args=[batch_id]), HTTP_HX_REQUEST="true")
        if response.headers.get("HX-Refresh") == "true":
            return seen
        seen.append(services.progress_get(batch_id))
    pytest.fail(f"batch {batch_id} did not finish in {deadline_s} s")


def test_large_ledger_runs_on_the_worker_with_progress(
    celery_worker, client, demo_users, monkeypatch
):
    monkeypatch.setattr(services, "ASYNC_ROW_THRESHOLD", 10)
    client.force_login(demo_users["city_staff"])
    rows = [project_row(项目名称=f"批量项目{i:03d}") for i in range(250)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("imports:index"),
        {"kind": "projects", "file": SimpleUploadedFile("大台账.xlsx", xlsx_bytes(rows))},
    )
    batch = ImportBatch.objects.get()
    _wait_until_done(client, batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.summary["new"] == 250
    assert services.progress_get(batch.pk) == {"done": 250, "total": 250, "phase": "preview"}

    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert ImportBatch.objects.get(pk=batch.pk).status in ("importing", "imported")
    seen = _wait_until_done(client, batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert Project.objects.count() == 250
    assert services.progress_get(batch.pk) == {"done": 250, "total": 250, "phase": "import"}
    assert all(p["done"] <= p["total"] for p in seen)
    # The user left and came back: the batch page shows the result.
    page = client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "已导入" in page
