"""Events-with-signings and targets ledgers; the bulk project path's query count and rollups."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from demo.events_demo import load_event_kinds
from enterprises.models import Enterprise
from events.models import PromotionEvent, Signing
from imports import services
from imports.columns import EVENT_COLUMNS, TARGET_COLUMNS
from imports.models import ImportBatch
from imports.workbook import build_template
from projects.models import ClaimConflict, Project, Stage
from targets.models import Target

from .ledgers import project_row, xlsx_bytes

pytestmark = pytest.mark.django_db
EVENT_HEADER = [c.header for c in EVENT_COLUMNS]
TARGET_HEADER = [c.header for c in TARGET_COLUMNS]


def _errors(batch):
    return [(r["row"], col, reason) for r in batch.preview for col, reason in r["errors"]]


def _run(kind, data, by=None):
    return services.import_file(kind=kind, data=data, filename="x.xlsx", by=by, dry_run=False)


@pytest.fixture
def projects(reference_data):
    load_event_kinds()
    rows = [
        project_row(台账编号="YC-1", 项目名称="甲项目", 阶段="洽谈", 签约日期=None),
        project_row(项目名称="乙项目", 阶段="线索", 签约日期=None, 县区="太谷区"),
    ]
    batch = _run("projects", xlsx_bytes(rows))
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    return {p.name: p for p in Project.objects.all()}


def _event_rows():
    event = {
        "活动名称": "晋中（深圳）招商推介会",
        "开始日期": "2023-06-08",
        "结束日期": "2023/6/9",
        "活动类型": "推介会",
        "举办城市": "深圳市",
        "举办省份": "广东省",
        "主办县区": "榆次区、太谷区",
    }
    return [
        {**event, "签约项目台账编号": "YC-1", "签约项目名称": "甲项目", "签约金额(万元)": "2亿"},
        {
            "活动名称": event["活动名称"],
            "开始日期": event["开始日期"],
            "签约项目名称": "乙项目",
            "签约项目县区": "太谷区",
            "签约日期": "2023年6月9日",
            "协议类型": "框架协议",
        },
    ]


def test_events_with_signings_import_idempotently_and_roll_back(projects):
    data = xlsx_bytes(_event_rows(), header=EVENT_HEADER, sheet="活动签约")
    batch = _run("events", data)
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    assert batch.summary == {"new": 2, "update": 0, "unchanged": 0, "error": 0}
    event = PromotionEvent.objects.get()
    assert event.end_on == dt.date(2023, 6, 9)
    assert sorted(r.name for r in event.organisers.all()) == ["太谷区", "榆次区"]
    signings = {s.project.name: s for s in Signing.objects.select_related("project")}
    assert signings["甲项目"].amount == Decimal("20000")
    assert signings["乙项目"].agreement_kind == "framework"
    assert signings["乙项目"].amount == projects["乙项目"].planned_investment
    assert Project.objects.get(name="乙项目").stage == Stage.SIGNED

    again = _run("events", data)
    assert again.summary["unchanged"] == 2, _errors(again)
    assert Signing.objects.count() == 2

    services.batch_rollback(batch=batch, by=None)
    assert not PromotionEvent.objects.exists() and not Signing.objects.exists()
    assert Project.objects.get(name="甲项目").stage == Stage.NEGOTIATING
    assert Project.objects.get(name="乙项目").signed_on is None


def test_event_row_errors_name_row_and_column(projects):
    rows = _event_rows()
    rows[1]["签约日期"] = "2023-07-01"  # outside the event's dates
    rows.append({**rows[0], "签约项目台账编号": None, "签约项目名称": "不存在的项目"})
    batch = _run("events", xlsx_bytes(rows, header=EVENT_HEADER, sheet="活动签约"))
    errors = _errors(batch)
    assert [(r, c) for r, c, _m in errors] == [(3, "签约日期"), (4, "签约项目名称")]
    assert not PromotionEvent.objects.exists()


def test_targets_import_by_region_and_year(reference_data, demo_users):
    rows = [
        {"县区": "榆次区", "年度": 2024, "签约项目数(个)": 60, "签约投资额(万元)": "120亿"},
        {"县区": "太谷区", "年度": 2024, "到位资金(万元)": 50000},
    ]
    data = xlsx_bytes(rows, header=TARGET_HEADER, sheet="目标任务")
    denied = services.import_file(
        kind="targets", data=data, filename="t.xlsx", by=demo_users["yuci_staff"], dry_run=True
    )
    assert denied.error_count == 2
    batch = _run("targets", data, by=demo_users["city_staff"])
    assert batch.summary["new"] == 2, _errors(batch)
    yuci = Target.objects.get(region__name="榆次区", year=2024)
    assert yuci.signed_count == 60 and yuci.signed_amount == Decimal("1200000")
    assert _run("targets", data).summary["unchanged"] == 2
    rows[0]["签约项目数(个)"] = 70
    update = _run("targets", xlsx_bytes(rows, header=TARGET_HEADER, sheet="目标任务"))
    assert update.summary == {"new": 0, "update": 1, "unchanged": 1, "error": 0}
    services.batch_rollback(batch=update, by=None)
    assert Target.objects.get(pk=yuci.pk).signed_count == 60
    with pytest.raises(ValidationError):  # changed since by the later batch and its rollback
        services.batch_rollback(batch=batch, by=None)


def test_bulk_project_import_query_count_rollups_and_rollback(reference_data):
    rows = [
        project_row(
            台账编号=f"Q-{i:03d}",
            项目名称=f"批量项目{i:03d}",
            投资方=f"批量投资方{i % 7}有限公司",
            县区=["榆次区", "太谷区", "祁县"][i % 3],
        )
        for i in range(300)
    ]
    data = xlsx_bytes(rows)
    batch = services.batch_create(kind="projects", filename="q.xlsx", data=data, by=None)
    with CaptureQueriesContext(connection) as preview:
        batch = services.batch_preview(batch=batch)
    with CaptureQueriesContext(connection) as written:
        batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    # Independent of the row count: a fixed number of lookups, then bulk inserts.
    assert len(preview) <= 15, [q["sql"][:80] for q in preview.captured_queries]
    # (+4 since every ledger row runs the 首报首谈 check: its lookups and one bulk insert of the
    # conflicts these 7 investors raise across 3 counties, however many rows.)
    assert len(written) <= 34, [q["sql"][:80] for q in written.captured_queries]
    assert Project.objects.count() == 300
    # Every project, investor and 首报首谈 conflict (the 7 investors span 3 counties) has its
    # history record, so a rollback finds them all.
    conflicts = ClaimConflict.objects.count()
    assert conflicts > 0
    reason = f"台账导入 #{batch.pk}"
    assert Project.history.filter(history_change_reason=reason).count() == 300
    assert Enterprise.history.filter(history_change_reason=reason).count() == 7
    assert ClaimConflict.history.filter(history_change_reason=reason).count() == conflicts
    project = Project.objects.get(name="批量项目000")
    assert project.history.get().history_change_reason == f"台账导入 #{batch.pk}"
    assert project.stage_changes.get().to_stage == Stage.SIGNED
    call_command("verify_rollups", "--drain")  # exits 1 on any difference
    services.batch_rollback(batch=batch, by=None)
    assert not Project.objects.exists()
    call_command("verify_rollups", "--drain")


def test_new_kind_templates_open_with_validations(reference_data):
    load_event_kinds()
    wb = load_workbook(io.BytesIO(build_template("events")))
    ws = wb.worksheets[0]
    assert ws.title == "活动签约"
    header = [c.value.rstrip("*") for c in ws[1]]
    # The ledger's columns, then the evidence files' names (imports.evidence).
    assert header == [*EVENT_HEADER, "佐证材料（压缩包内文件名）"]
    options = wb["_选项"]
    kinds = [c.value for c in options[chr(65 + header.index("活动类型"))] if c.value]
    assert "推介会" in kinds
    assert len(ws.data_validations.dataValidation) >= 4


def test_event_list_exports_the_ledger_and_it_reimports_unchanged(projects, demo_users, client):
    batch = _run("events", xlsx_bytes(_event_rows(), header=EVENT_HEADER, sheet="活动签约"))
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    client.force_login(demo_users["city_staff"])
    response = client.get("/imports/export/events/", {"region": "140702", "format": "xlsx"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in ws[1]][0] == "活动名称"
    assert ws.max_row == 3  # one row per signing
    again = _run("events", data)
    assert again.summary == {"new": 0, "update": 0, "unchanged": 2, "error": 0}, _errors(again)
    assert client.get("/imports/export/events/", {"format": "csv"}).status_code == 200
