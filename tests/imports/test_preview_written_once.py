"""The import does not write the stored preview again when its re-check gives the same one and
the batch row has not been saved since this process stored it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports import services
from imports.models import ImportBatch

from .ledgers import project_row, xlsx_bytes


def _batch_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "imports_importbatch"')]


def _previewed(user):
    rows = [project_row(项目名称=f"预览一次{i}") for i in range(3)]
    batch = services.batch_create(
        kind="projects", filename="a.xlsx", data=xlsx_bytes(rows), by=user
    )
    return services.batch_preview(batch=batch)


@pytest.mark.django_db
def test_same_preview_is_not_written_again(demo_users):
    user = demo_users["city_staff"]
    batch = _previewed(user)
    stored = ImportBatch.objects.get(pk=batch.pk).preview
    with CaptureQueriesContext(connection) as queries:
        batch = services.batch_import(batch=batch, by=user)
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    [update] = _batch_updates(queries.captured_queries)
    assert '"preview"' not in update and '"status"' in update
    assert ImportBatch.objects.get(pk=batch.pk).preview == batch.preview == stored


@pytest.mark.django_db
def test_preview_is_written_when_the_row_was_saved_since_or_it_changed(demo_users):
    user = demo_users["city_staff"]
    batch = _previewed(user)
    ImportBatch.objects.get(pk=batch.pk).save()  # saved elsewhere since: not known to match
    with CaptureQueriesContext(connection) as queries:
        services.batch_import(batch=batch, by=user)
    [update] = _batch_updates(queries.captured_queries)
    assert '"preview"' in update

    batch = _previewed(user)
    ImportBatch.objects.filter(pk=batch.pk).update(preview=[])  # bypasses updated_at
    services._last_preview["preview"] = [{"row": 0}]  # what this process stored differs
    with CaptureQueriesContext(connection) as queries:
        batch = services.batch_import(batch=batch, by=user)
    [update] = _batch_updates(queries.captured_queries)
    assert '"preview"' in update
    assert ImportBatch.objects.get(pk=batch.pk).preview == batch.preview != []
