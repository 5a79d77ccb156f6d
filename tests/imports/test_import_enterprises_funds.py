"""Enterprise and funds-in-place ledgers, and the import_ledger command."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from imports import services
from imports.models import ImportBatch
from projects.models import FundsInPlace, Project

from .ledgers import ENTERPRISE_HEADER, FUNDS_HEADER, csv_bytes, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db
CODE = "91140700MA0GRXK31G"


def _errors(batch):
    return [(r["row"], col, reason) for r in batch.preview for col, reason in r["errors"]]


def test_enterprises_are_matched_by_credit_code_then_name_and_updated(reference_data):
    by_code = enterprise_services.enterprise_create(name="旧名称有限公司", credit_code=CODE)
    by_name = enterprise_services.enterprise_create(name="晋中玻璃器皿有限公司")
    rows = [
        {
            "企业名称": "新名称有限公司",
            "统一社会信用代码": CODE,
            "客商来源": "长三角",
            "企业性质": "民营",
        },
        {"企业名称": "晋中玻璃器皿（有限公司）", "县区": "祁县", "晋中本地企业": "是"},
        {"企业名称": "全新企业有限公司", "主导产业链": "新能源汽车"},
    ]
    data = xlsx_bytes(rows, header=ENTERPRISE_HEADER, sheet="企业名录")
    batch = services.import_file(
        kind="enterprises", data=data, filename="e.xlsx", by=None, dry_run=False
    )
    assert batch.summary == {"new": 1, "update": 2, "unchanged": 0, "error": 0}, _errors(batch)
    by_code.refresh_from_db()
    by_name.refresh_from_db()
    assert by_code.name == "新名称有限公司" and by_code.investor_origin == "yrd"
    assert by_name.region.name == "祁县" and by_name.is_local
    assert Enterprise.objects.get(name="全新企业有限公司").main_chain.name == "新能源汽车"
    again = services.import_file(
        kind="enterprises", data=data, filename="e.xlsx", by=None, dry_run=False
    )
    assert again.summary["unchanged"] == 3


def test_enterprise_with_bad_credit_code_is_an_error(reference_data):
    data = xlsx_bytes(
        [{"企业名称": "某公司", "统一社会信用代码": "123"}],
        header=ENTERPRISE_HEADER,
        sheet="企业名录",
    )
    batch = services.import_file(
        kind="enterprises", data=data, filename="e.xlsx", by=None, dry_run=False
    )
    assert _errors(batch)[0][:2] == (2, "统一社会信用代码")
    assert not Enterprise.objects.exists()


def test_funds_in_place_are_recorded_per_month_and_rolled_back(reference_data):
    services.import_file(
        kind="projects",
        data=xlsx_bytes([project_row(台账编号="YC-1")]),
        filename="p.xlsx",
        by=None,
        dry_run=False,
    )
    project = Project.objects.get()
    rows = [
        {
            "台账编号": "YC-1",
            "项目名称": "任意名称",
            "县区": "榆次区",
            "月份": "2023年3月",
            "到位资金(万元)": "0.5亿",
        },
        {"项目名称": project.name, "县区": "榆次区", "月份": "2023-04-15", "到位资金(万元)": 1200},
        {"项目名称": "不存在的项目", "县区": "榆次区", "月份": "2023-04", "到位资金(万元)": 1},
    ]
    data = csv_bytes(rows, header=FUNDS_HEADER, encoding="gb18030")
    batch = services.import_file(kind="funds", data=data, filename="f.csv", by=None, dry_run=False)
    assert _errors(batch) == [(4, "项目名称", "榆次区 没有该名称的项目。")]
    assert not FundsInPlace.objects.exists()
    data = csv_bytes(rows[:2], header=FUNDS_HEADER, encoding="gb18030")
    batch = services.import_file(kind="funds", data=data, filename="f.csv", by=None, dry_run=False)
    assert batch.status == ImportBatch.Status.IMPORTED, _errors(batch)
    assert dict(FundsInPlace.objects.values_list("month", "amount")) == {
        dt.date(2023, 3, 1): Decimal("5000"),
        dt.date(2023, 4, 1): Decimal("1200"),
    }
    services.batch_rollback(batch=batch, by=None)
    assert not FundsInPlace.objects.exists()


def test_command_prints_each_error_and_exits_nonzero(reference_data, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes([project_row(), project_row(项目名称="坏", 县区="火星区")]))
    with pytest.raises(CommandError, match="1 errors; nothing imported"):
        call_command("import_ledger", str(path), "--kind", "projects")
    out = capsys.readouterr().out
    assert "3\t县区\t未知的县区“火星区”。" in out
    assert not Project.objects.exists()


def test_command_dry_run_then_import(reference_data, tmp_path, capsys):
    path = tmp_path / "台账.csv"
    path.write_bytes(csv_bytes([project_row()], encoding="gbk"))
    call_command("import_ledger", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not Project.objects.exists()
    call_command("import_ledger", str(path))
    assert Project.objects.count() == 1


def test_command_refuses_a_bad_file(reference_data, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(CommandError, match="Excel"):
        call_command("import_ledger", str(path))
