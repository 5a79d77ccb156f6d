"""The import writes the plan its preview stored and leaves the stored preview as it is, unless
the tables the plan depends on changed since and the file had to be checked again."""

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
def test_preview_is_written_again_when_the_file_had_to_be_checked_again(demo_users):
    user = demo_users["city_staff"]
    batch = _previewed(user)
    # A project registered between the preview and the import: the stored plan may no longer
    # hold, so the import checks the file again and stores what it found.
    services.import_file(
        kind="projects",
        data=xlsx_bytes([project_row(项目名称="预览一次0")]),
        filename="b.xlsx",
        by=user,
        dry_run=False,
    )
    with CaptureQueriesContext(connection) as queries:
        batch = services.batch_import(batch=batch, by=user)
    [update] = _batch_updates(queries.captured_queries)
    assert '"preview"' in update
    stored = ImportBatch.objects.get(pk=batch.pk)
    assert stored.summary == {"new": 2, "update": 0, "unchanged": 1, "error": 0}
    assert stored.preview == batch.preview
