"""Ledger imports run the same 首报首谈 check and name rules as every other way in."""

import datetime as dt

import pytest

from imports import services
from projects.models import ClaimConflict, FundsInPlace, Project, Stage
from tests.factories import make_enterprise, make_project

from .ledgers import FUNDS_HEADER, csv_bytes, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _import(data, *, kind="projects", filename="台账.xlsx"):
    return services.import_file(kind=kind, data=data, filename=filename, by=None, dry_run=False)


def _errors(batch):
    return [(r["row"], col, reason) for r in batch.preview for col, reason in r["errors"]]


def test_an_imported_project_of_an_investor_another_county_holds_is_a_conflict(reference_data):
    investor = make_enterprise("山西晋钢集团有限公司")
    holder = make_project(name="太谷精品钢", investor=investor, region_code="140703")
    batch = _import(xlsx_bytes([project_row(投资方="山西晋钢\u200b集团有限公司")]))
    assert not _errors(batch)
    imported = Project.objects.get(name="年产10万吨精品钢项目")
    assert imported.investor == investor
    conflict = ClaimConflict.objects.get()
    assert (conflict.project, conflict.holder, conflict.matched_by) == (imported, holder, "name")


def test_two_counties_in_one_ledger_make_the_later_row_the_conflict(reference_data):
    batch = _import(
        xlsx_bytes(
            [
                project_row(台账编号="A-1", 项目名称="榆次一号"),
                project_row(台账编号="A-2", 项目名称="太谷二号", 县区="太谷区"),
            ]
        )
    )
    assert not _errors(batch)
    conflict = ClaimConflict.objects.get()
    assert conflict.holder.name == "榆次一号" and conflict.project.name == "太谷二号"


def test_an_investor_name_with_a_direction_override_is_a_row_error(reference_data):
    make_enterprise("山西晋钢集团有限公司")
    batch = _import(xlsx_bytes([project_row(投资方="山西晋钢\u202e集团有限公司")]))
    errors = _errors(batch)
    assert errors and errors[0][:2] == (2, "投资方") and "不可见" in errors[0][2]
    assert not Project.objects.exists()


def test_funds_before_the_signing_month_are_a_row_error(reference_data):
    project = make_project(
        name="榆次签约", region_code="140702", stage=Stage.SIGNED, signed_on=dt.date(2023, 2, 3)
    )
    rows = [{"项目名称": project.name, "县区": "榆次区", "月份": "2023-01", "到位资金(万元)": 10}]
    batch = _import(csv_bytes(rows, header=FUNDS_HEADER), kind="funds", filename="f.csv")
    errors = _errors(batch)
    assert errors and errors[0][:2] == (2, "月份") and "签约" in errors[0][2]
    assert not FundsInPlace.objects.exists()
