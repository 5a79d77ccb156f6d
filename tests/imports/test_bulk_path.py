"""One bulk path for every row of a project ledger: new rows and updates each cost a fixed number
of queries however many rows the file has, and the import writes the plan its preview stored, in
whichever process it runs, without reading the file again."""

import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports import services
from imports.models import ImportBatch
from projects.models import FundsInPlace, Project, Stage, StageChange
from rollups.models import Outbox

from .ledgers import FUNDS_HEADER, project_row, xlsx_bytes

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ROWS = 1000
REGIONS = ["榆次区", "太谷区", "祁县", "平遥县", "介休市"]


def _ledger(stage="线索", amount=1000, **more) -> bytes:
    return xlsx_bytes(
        [
            project_row(
                台账编号=f"B-{i:04d}",
                项目名称=f"批量项目{i:04d}",
                投资方=f"批量投资方{i % 50:02d}有限公司",
                县区=REGIONS[i % len(REGIONS)],
                阶段=stage,
                签约日期="2023-02-03" if stage == "签约" else None,
                **{"计划总投资(万元)": str(amount + i)},
                **more,
            )
            for i in range(ROWS)
        ]
    )


def _preview(data: bytes) -> ImportBatch:
    batch = services.batch_create(kind="projects", filename="a.xlsx", data=data, by=None)
    return services.batch_preview(batch=batch)


def _import_counting(batch: ImportBatch) -> tuple[ImportBatch, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, batch.preview[:3])
    # Savepoints are the test's own transaction around the import's (none outside tests).
    return batch, [q["sql"][:90] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.django_db
def test_a_thousand_new_rows_and_a_thousand_updates_each_take_a_few_queries(reference_data):
    batch = _preview(_ledger())
    assert batch.summary["new"] == ROWS
    batch, queries = _import_counting(batch)
    # The batch with its plan; investors, their history; projects, their history, their
    # StageChanges; ledger ids; the outbox row; the 首报首谈 check (contacts, enterprises by
    # credit code and by name, their projects, known conflicts); the batch's result.
    assert len(queries) <= 16, queries
    assert Project.objects.count() == ROWS and StageChange.objects.count() == ROWS
    assert Outbox.objects.count() == 1

    # Every row again, with another amount and moved on to 签约 (a stage move per project).
    batch = _preview(_ledger(stage="签约", amount=2000))
    assert batch.summary["update"] == ROWS, batch.preview[:3]
    batch, queries = _import_counting(batch)
    # The batch with its plan; the investors, regions and projects it names (the projects
    # locked); the watermark read again under the lock (the preview's checks then hold); the
    # projects read for the update; the update and its history (one statement each per 2,000 projects);
    # StageChanges; the locked periods the outbox row's months could touch, and the row; the
    # batch's result.
    assert len(queries) <= 12, queries
    assert Outbox.objects.count() == 2
    project = Project.objects.get(name="批量项目0007")
    assert project.stage == Stage.SIGNED and project.planned_investment == Decimal("2007")
    assert project.stage_changes.order_by("-id").first().to_stage == Stage.SIGNED
    assert project.history.first().history_change_reason == f"台账导入 #{batch.pk}"
    call_command("verify_rollups", "--drain")

    services.batch_rollback(batch=batch, by=None)
    project.refresh_from_db()
    assert project.stage == Stage.LEAD and project.planned_investment == Decimal("1007")
    call_command("verify_rollups", "--drain")


@pytest.mark.django_db
def test_funds_rows_are_written_and_rolled_back_in_bulk(reference_data):
    services.import_file(
        kind="projects", data=_ledger(stage="签约"), filename="a.xlsx", by=None, dry_run=False
    )
    rows = [
        {
            "项目名称": f"批量项目{i:04d}",
            "县区": REGIONS[i % len(REGIONS)],
            "月份": "2023-03",
            "到位资金(万元)": "10",
        }
        for i in range(200)
    ]
    data = xlsx_bytes(rows, header=FUNDS_HEADER, sheet="到位资金")
    batch = services.batch_preview(
        batch=services.batch_create(kind="funds", filename="f.xlsx", data=data, by=None)
    )
    assert batch.summary["new"] == 200, batch.preview[:3]
    batch, queries = _import_counting(batch)
    # The batch; the projects and regions it names; the existing months; the insert and its
    # history; the outbox row; the batch's result.
    assert len(queries) <= 8, queries
    assert FundsInPlace.objects.count() == 200
    with CaptureQueriesContext(connection) as rollback:
        services.batch_rollback(batch=batch, by=None)
    queries = [q["sql"][:90] for q in rollback.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The batch locked; the latest history of what it wrote; ledger ids; the records, their
    # deletion history, the delete, the outbox row; the batch.
    assert len(queries) <= 12, queries
    assert not FundsInPlace.objects.exists()
    assert FundsInPlace.history.filter(history_type="-").count() == 200
    call_command("verify_rollups", "--drain")


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


CONFIRM = textwrap.dedent(
    """
    import os
    from imports import services
    from imports.models import ImportBatch
    batch = ImportBatch.objects.get(pk=int(os.environ["BATCH_ID"]))
    batch = services.batch_import(batch=batch, by=None)
    print("STATUS", batch.status, batch.message)
    """
)


def _confirm_elsewhere(batch_id: int) -> str:
    env = {**os.environ, "DATABASE_URL": _database_url(), "BATCH_ID": str(batch_id)}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CONFIRM],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_confirm_in_another_process_writes_the_stored_plan_without_the_file(reference_data):
    rows = [project_row(台账编号=f"P-{i}", 项目名称=f"另一进程项目{i}") for i in range(30)]
    batch = _preview(xlsx_bytes(rows))
    assert batch.status == ImportBatch.Status.PREVIEWED
    # The stored file is emptied: a confirm that read it again would reject the batch.
    ImportBatch.objects.filter(pk=batch.pk).update(file_data=b"")
    out = _confirm_elsewhere(batch.pk)
    assert "STATUS imported" in out, out
    assert Project.objects.filter(name__startswith="另一进程项目").count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_confirm_after_the_projects_changed_checks_the_file_again(reference_data):
    rows = [project_row(台账编号=f"P-{i}", 项目名称=f"另一进程项目{i}") for i in range(3)]
    batch = _preview(xlsx_bytes(rows))
    # Someone registers one of the ledger's projects between the preview and the confirm.
    services.import_file(
        kind="projects", data=xlsx_bytes(rows[:1]), filename="b.xlsx", by=None, dry_run=False
    )
    out = _confirm_elsewhere(batch.pk)
    assert "STATUS imported" in out, out
    batch.refresh_from_db()
    assert batch.summary == {"new": 2, "update": 0, "unchanged": 1, "error": 0}
    assert Project.objects.filter(name__startswith="另一进程项目").count() == 3


@pytest.mark.django_db
def test_an_update_import_writes_every_amount_stage_and_history_record(reference_data, monkeypatch):
    services.import_file(
        kind="projects", data=_ledger(stage="签约"), filename="a.xlsx", by=None, dry_run=False
    )
    before = dict(Project.objects.values_list("name", "planned_investment"))
    # Batches of 300, so the 1,000 updates take four UPDATE … FROM (VALUES …) and four history
    # INSERT … SELECT statements.
    monkeypatch.setattr("core.history.BULK_UPDATE_SIZE", 300)
    rows = [
        project_row(
            台账编号=f"B-{i:04d}",
            项目名称=f"批量项目{i:04d}",
            投资方=f"批量投资方{i % 50:02d}有限公司",
            县区=REGIONS[i % len(REGIONS)],
            # Even rows move on to 开工 on their date; odd rows keep 签约 with a new amount.
            阶段="开工" if i % 2 == 0 else "签约",
            签约日期="2023-02-03",
            开工日期="2023-05-06" if i % 2 == 0 else None,
            **{"计划总投资(万元)": str(5000 + 3 * i)},
        )
        for i in range(ROWS)
    ]
    batch = _preview(xlsx_bytes(rows))
    assert batch.summary["update"] == ROWS, batch.preview[:3]
    batch, queries = _import_counting(batch)
    writes = [q for q in queries if q.startswith(("WITH v", 'INSERT INTO "projects_historical'))]
    assert len(writes) == 8, writes
    # As the 1,000-row test above, plus the six statements of the three more batches.
    assert len(queries) <= 18 * ROWS // 1000, queries

    now = {
        p.name: p for p in Project.objects.only("name", "planned_investment", "stage", "started_on")
    }
    for i in range(ROWS):
        project = now[f"批量项目{i:04d}"]
        assert project.planned_investment == Decimal(5000 + 3 * i), project.name
        if i % 2 == 0:
            assert (project.stage, str(project.started_on)) == (Stage.STARTED, "2023-05-06")
        else:
            assert (project.stage, project.started_on) == (Stage.SIGNED, None)

    records = Project.history.filter(history_change_reason=f"台账导入 #{batch.pk}")
    assert records.count() == ROWS
    assert set(records.values_list("history_type", flat=True)) == {"~"}
    for record in records.only("id", "name", "planned_investment", "stage", "started_on"):
        project = now[record.name]
        assert record.id == project.pk
        assert (record.planned_investment, record.stage, record.started_on) == (
            project.planned_investment,
            project.stage,
            project.started_on,
        )
    # The records of the first import keep the amounts from before.
    created = Project.history.filter(history_type="+").values_list("name", "planned_investment")
    assert dict(created) == before
    assert StageChange.objects.filter(to_stage=Stage.STARTED).count() == ROWS // 2
    assert Outbox.objects.count() == 2
    call_command("verify_rollups", "--drain")
