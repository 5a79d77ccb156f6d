"""A ledger import, and its rollback, write one rollup outbox row (rollups.outbox.one_outbox_row):
the union of the keys its services would each have written, the locked periods still checked at
each service's call."""

import contextlib

import pytest
from django.core.management import call_command
from django.db import transaction

from demo.events_demo import load_event_kinds
from imports import services
from imports.columns import EVENT_COLUMNS
from imports.models import ImportBatch
from projects.models import Project, Stage
from rollups import outbox
from rollups.models import Outbox

from .ledgers import project_row, xlsx_bytes

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _rows_written(call) -> list[list[str]]:
    """The keys of each outbox row `call` writes."""
    last = Outbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call()
    return list(Outbox.objects.filter(id__gt=last).order_by("id").values_list("keys", flat=True))


def _rows_without_the_block(monkeypatch, call) -> list[list[str]]:
    """The rows `call` would write if each service wrote its own, its writes then undone."""
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "one_outbox_row", contextlib.nullcontext)
        with contextlib.suppress(_Undo), transaction.atomic():
            rows = _rows_written(call)
            raise _Undo
    return rows


def _import(kind: str, data: bytes) -> ImportBatch:
    batch = services.batch_create(kind=kind, filename="a.xlsx", data=data, by=None)
    batch = services.batch_preview(batch=batch)
    assert batch.can_confirm, batch.preview[:2]
    return batch


def _confirm(batch: ImportBatch) -> ImportBatch:
    batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, batch.preview[:2])
    return batch


def _projects(names, stage="洽谈", signed=None, amount=1000) -> bytes:
    return xlsx_bytes(
        [
            project_row(
                项目名称=name,
                阶段=stage,
                签约日期=signed,
                洽谈日期="2023-03-01",
                **{"计划总投资(万元)": str(amount + i)},
            )
            for i, name in enumerate(names)
        ]
    )


def test_a_ledger_of_new_and_updated_rows_writes_one_row_of_every_key(reference_data, monkeypatch):
    _confirm(_import("projects", _projects([f"一行项目{i}" for i in range(4)])))
    call_command("verify_rollups", "--drain")

    # Two rows updated (signed, another amount), three new.
    data = _projects(
        [f"一行项目{i}" for i in range(2, 7)], stage="签约", signed="2023-04-05", amount=5000
    )
    batch = _import("projects", data)
    assert (batch.summary["new"], batch.summary["update"]) == (3, 2), batch.preview
    separate = _rows_without_the_block(monkeypatch, lambda: _confirm(batch))
    assert len(separate) == 2  # project_bulk_create's and project_bulk_apply's

    rows = _rows_written(lambda: _confirm(batch))
    assert len(rows) == 1 and rows[0] == sorted(rows[0])
    # The same keys, but the new projects' own (p|<id>): the undone run took other ids.
    cells = {key for key in set().union(*separate) if not key.startswith("p|")}
    moved = Project.objects.filter(name__in=[f"一行项目{i}" for i in range(2, 7)])
    assert set(rows[0]) == cells | {outbox.project_key(p.pk) for p in moved}
    assert set(moved.values_list("stage", flat=True)) == {Stage.SIGNED}
    call_command("verify_rollups", "--drain")

    rows = _rows_written(lambda: services.batch_rollback(batch=batch, by=None))
    assert len(rows) == 1
    call_command("verify_rollups", "--drain")


def test_an_events_ledger_that_signs_projects_writes_one_row_and_so_does_its_rollback(
    reference_data, monkeypatch
):
    load_event_kinds()
    names = [f"签约一行{i}" for i in range(3)]
    _confirm(_import("projects", _projects(names)))
    call_command("verify_rollups", "--drain")

    header = [c.header for c in EVENT_COLUMNS]
    event = {
        "活动名称": "一行推介会",
        "开始日期": "2023-06-08",
        "结束日期": "2023-06-09",
        "活动类型": "推介会",
        "举办城市": "深圳市",
        "主办县区": "榆次区",
    }
    rows = [
        {**event, "签约项目名称": name, "签约日期": "2023-06-09", "签约金额(万元)": "1000"}
        for name in names
    ]
    batch = _import("events", xlsx_bytes(rows, header=header, sheet="活动签约"))
    separate = _rows_without_the_block(monkeypatch, lambda: _confirm(batch))
    assert len(separate) >= 2  # the projects moved, then the signings

    written = _rows_written(lambda: _confirm(batch))
    assert written == [sorted(set().union(*separate))]
    assert set(Project.objects.filter(name__in=names).values_list("stage", flat=True)) == {
        Stage.SIGNED
    }
    call_command("verify_rollups", "--drain")

    batch = ImportBatch.objects.get(pk=batch.pk)
    separate = _rows_without_the_block(
        monkeypatch, lambda: services.batch_rollback(batch=batch, by=None)
    )
    assert len(separate) >= 2
    written = _rows_written(lambda: services.batch_rollback(batch=batch, by=None))
    assert written == [sorted(set().union(*separate))]
    assert set(Project.objects.filter(name__in=names).values_list("stage", flat=True)) == {
        Stage.NEGOTIATING
    }
    call_command("verify_rollups", "--drain")


def test_the_block_writes_nothing_on_an_error_and_a_nested_block_adds_to_the_outer_one(
    reference_data,
):
    with contextlib.suppress(_Undo), outbox.one_outbox_row():
        outbox.enqueue_refresh(keys=["p|1"])
        raise _Undo
    assert not Outbox.objects.exists()

    with outbox.one_outbox_row():
        outbox.enqueue_refresh(keys=["p|2", "p|1"])
        with outbox.one_outbox_row():
            outbox.enqueue_refresh(keys=["p|3", "p|1"])
        assert not Outbox.objects.exists()
    assert list(Outbox.objects.values_list("keys", flat=True)) == [["p|1", "p|2", "p|3"]]

    outbox.enqueue_refresh(keys=["p|4"])  # outside a block: a row of its own, as before
    assert Outbox.objects.count() == 2
