"""Importing project ledgers: preview per row, one transaction, idempotent, rollback."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exports import xlsx_write
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from imports import services
from imports.ledger_exports import project_export_columns, project_export_queryset
from imports.models import ImportBatch, LedgerKey
from projects import services as project_services
from projects.models import Project, Stage

from .ledgers import csv_bytes, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db

VALID_CODE = "91140700MA0GRXK31G"


def _import(data, *, by=None, dry_run=False, filename="台账.xlsx"):
    return services.import_file(
        kind="projects", data=data, filename=filename, by=by, dry_run=dry_run
    )


def _errors(batch):
    return [(r["row"], col, reason) for r in batch.preview for col, reason in r["errors"]]


def test_new_rows_are_imported_with_amount_units_and_chinese_dates(reference_data):
    rows = [
        project_row(),
        project_row(
            项目名称="甲醇重卡项目",
            投资方="吉利汽车集团有限公司",
            县区="太谷区",
            **{
                "计划总投资(万元)": "3500万",
                "阶段": "线索",
                "登记日期": "2023-02-03",
                "签约日期": None,
            },
        ),
        project_row(
            项目名称="玻璃器皿项目",
            县区="140728",
            **{"计划总投资(万元)": 1200.5, "登记日期": dt.date(2023, 1, 5)},
        ),
    ]
    batch = _import(xlsx_bytes(rows))
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    assert batch.summary == {"new": 3, "update": 0, "unchanged": 0, "error": 0}
    steel = Project.objects.get(name="年产10万吨精品钢项目")
    assert steel.planned_investment == Decimal("35000")
    assert steel.stage == Stage.SIGNED
    assert steel.signed_on == dt.date(2023, 2, 3)
    assert steel.registered_on == dt.date(2023, 1, 10)
    methanol = Project.objects.get(name="甲醇重卡项目")
    assert methanol.planned_investment == Decimal("3500")
    assert methanol.region.name == "太谷区"
    assert Project.objects.get(name="玻璃器皿项目").planned_investment == Decimal("1200.5")
    # Two rows naming the same investor create it once.
    assert Enterprise.objects.filter(normalized_name="山西晋钢").count() == 1


def test_bad_rows_are_listed_with_row_column_and_reason_and_nothing_is_imported(reference_data):
    rows = [
        project_row(),
        project_row(项目名称="坏金额项目", **{"计划总投资(万元)": "三千万"}),
        project_row(项目名称="坏日期项目", 签约日期="2023-13-45"),
        project_row(项目名称="未知县区项目", 县区="火星区"),
        project_row(项目名称="补录项目", 登记日期="2023-03-01", 签约日期="2023-02-01"),
    ]
    batch = _import(xlsx_bytes(rows))
    assert batch.status == ImportBatch.Status.PREVIEWED
    errors = _errors(batch)
    assert (3, "计划总投资(万元)") in [(r, c) for r, c, _m in errors]
    assert (4, "签约日期") in [(r, c) for r, c, _m in errors]
    assert (5, "县区") in [(r, c) for r, c, _m in errors]
    # Signed before it was registered: a late entry (补录), not an error.
    assert 6 not in [r for r, _c, _m in errors], errors
    assert any("不是日期" in m for _r, _c, m in errors)
    assert batch.summary["error"] == 3 and batch.summary["new"] == 2
    assert not Project.objects.exists()


def test_same_file_twice_changes_nothing(reference_data):
    data = xlsx_bytes([project_row(台账编号="YC-001"), project_row(项目名称="二号项目")])
    first = _import(data)
    assert first.status == ImportBatch.Status.IMPORTED
    before = list(Project.objects.values_list("pk", "updated_at"))
    history_before = Project.history.count()
    second = _import(data)
    assert second.summary == {"new": 0, "update": 0, "unchanged": 2, "error": 0}
    assert second.status == ImportBatch.Status.IMPORTED
    assert list(Project.objects.values_list("pk", "updated_at")) == before
    assert Project.history.count() == history_before


def test_ledger_id_finds_a_project_whose_name_changed(reference_data):
    _import(xlsx_bytes([project_row(台账编号="YC-001")]))
    batch = _import(xlsx_bytes([project_row(台账编号="YC-001", 项目名称="改名后的精品钢项目")]))
    assert batch.summary["update"] == 1, _errors(batch)
    assert Project.objects.get().name == "改名后的精品钢项目"
    assert LedgerKey.objects.count() == 1


def test_update_moves_the_stage_through_the_pipeline_services(reference_data):
    _import(xlsx_bytes([project_row(阶段="线索", 签约日期=None)]))
    batch = _import(
        xlsx_bytes([project_row(阶段="开工", 签约日期="2023-02-03", 开工日期="2023-03-01")])
    )
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    project = Project.objects.get()
    assert project.stage == Stage.STARTED
    assert list(project.stage_changes.values_list("to_stage", flat=True)) == [
        "lead",
        "signed",
        "started",
    ]


def test_round_trip_export_then_import_changes_nothing(reference_data, demo_users):
    from demo.projects_demo import load_projects_demo

    load_projects_demo()  # the article's projects: every stage, parks, chains, methods
    # CSV: openpyxl would store a cell starting with "=" as a formula, which the reader refuses.
    first = _import(
        csv_bytes(
            [
                project_row(台账编号="YC-9"),
                project_row(项目名称="甲", 阶段="线索", 签约日期=None, 备注="=cmd|' /C calc'!A0"),
            ]
        ),
        filename="a.csv",
    )
    assert first.status == ImportBatch.Status.IMPORTED, _errors(first)
    out = io.BytesIO()
    xlsx_write(project_export_columns(), project_export_queryset(Project.objects.all()), out)
    count = Project.objects.count()
    batch = _import(out.getvalue(), filename="export.xlsx")
    assert batch.summary == {"new": 0, "update": 0, "unchanged": count, "error": 0}, batch.preview[
        :3
    ]
    # The formula-looking note came back as text, with the neutralising apostrophe only in the file.
    assert Project.objects.get(name="甲").notes == "=cmd|' /C calc'!A0"


def test_investor_is_matched_by_credit_code_before_name(reference_data):
    known = enterprise_services.enterprise_create(
        name="完全不同的名字有限公司", credit_code=VALID_CODE
    )
    batch = _import(xlsx_bytes([project_row(统一社会信用代码=VALID_CODE)]))
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Project.objects.get().investor == known


def test_investor_is_matched_by_normalised_name(reference_data):
    known = enterprise_services.enterprise_create(name="山西晋钢（集团）")
    _import(xlsx_bytes([project_row(投资方="山西晋钢集团有限公司 ")]))
    assert Project.objects.get().investor == known
    assert Enterprise.objects.count() == 1


def test_county_staff_cannot_import_into_another_county(demo_users):
    batch = _import(xlsx_bytes([project_row(县区="太谷区")]), by=demo_users["yuci_staff"])
    assert _errors(batch)[0][1] == "县区"
    assert "本地区" in _errors(batch)[0][2]
    assert not Project.objects.exists()


def test_duplicate_rows_in_one_file_are_errors(reference_data):
    batch = _import(xlsx_bytes([project_row(), project_row()]))
    assert _errors(batch) == [(3, "项目名称", "该项目与第 2 行重复。")]


def test_dry_run_writes_nothing(reference_data):
    batch = _import(csv_bytes([project_row()]), dry_run=True, filename="a.csv")
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert not Project.objects.exists() and not Enterprise.objects.exists()


def test_rollback_deletes_created_and_restores_updated(reference_data):
    _import(xlsx_bytes([project_row(阶段="线索", 签约日期=None, **{"计划总投资(万元)": "1000"})]))
    original = Project.objects.get()
    batch = _import(
        xlsx_bytes(
            [
                project_row(**{"计划总投资(万元)": "2000"}),
                project_row(项目名称="新项目", 投资方="新投资方有限公司"),
            ]
        )
    )
    assert batch.summary == {"new": 1, "update": 1, "unchanged": 0, "error": 0}
    tagged = Project.history.filter(history_change_reason=f"台账导入 #{batch.pk}")
    # The new project's creation; the update with its move to 签约, written together.
    assert tagged.count() == 2
    assert original.stage_changes.order_by("-id").first().to_stage == Stage.SIGNED

    services.batch_rollback(batch=batch, by=None)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert list(Project.objects.values_list("name", flat=True)) == [original.name]
    restored = Project.objects.get()
    assert restored.planned_investment == Decimal("1000")
    assert restored.stage == Stage.LEAD and restored.signed_on is None
    assert not Enterprise.objects.filter(name="新投资方有限公司").exists()


def test_rollback_is_refused_when_a_record_changed_after_the_import(reference_data):
    batch = _import(xlsx_bytes([project_row()]))
    project_services.project_update(project=Project.objects.get(), by=None, notes="后来的修改")
    with pytest.raises(ValidationError, match="导入后又被修改"):
        services.batch_rollback(batch=batch, by=None)
    assert Project.objects.get().notes == "后来的修改"


def test_a_row_failing_at_write_time_rolls_back_the_whole_file(reference_data, monkeypatch):
    real = project_services.project_bulk_create

    def flaky(*, by, rows, **kwargs):
        real(by=by, rows=rows[:1], **kwargs)  # the first row is written …
        exc = ValidationError({"name": "写入时出错"})
        exc.row_index = 1  # … then the second fails
        raise exc

    monkeypatch.setattr(project_services, "project_bulk_create", flaky)
    batch = _import(xlsx_bytes([project_row(), project_row(项目名称="二号")]))
    assert batch.status == ImportBatch.Status.FAILED
    assert _errors(batch) == [(3, "项目名称", "写入时出错")]
    assert not Project.objects.exists() and not Enterprise.objects.exists()
