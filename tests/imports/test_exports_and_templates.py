"""The list export (CSV with BOM, xlsx numbers, formula neutralising), the ledger export columns and
the templates."""

import io
from decimal import Decimal

import pytest
from django.test import RequestFactory
from openpyxl import load_workbook

from core.exports import ExportColumn, export_requested, safe_cell
from imports.ledger_exports import project_export_columns, project_export_queryset
from imports.workbook import build_template
from projects.models import Project

from .ledgers import PROJECT_HEADER

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\t=1"])
def test_formula_like_text_is_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_are_left_alone():
    assert safe_cell("晋中") == "晋中"
    assert safe_cell(Decimal("-1")) == Decimal("-1")


class _Row:
    def __init__(self, name, amount):
        self.name, self.amount = name, amount


COLUMNS = [
    ExportColumn("名称", lambda o: o.name),
    ExportColumn("金额(万元)", lambda o: o.amount, is_money=True),
]


def _view(request):
    """A list page's export, as projects, enterprises and events call it."""
    rows = [_Row('=HYPERLINK("x")', Decimal("3500.000000")), _Row("甲", Decimal("0.5"))]
    if request.GET.get("q"):
        rows = [r for r in rows if request.GET["q"] in r.name]
    return export_requested(request, columns=COLUMNS, rows=rows, filename="项目")


def test_csv_export_streams_with_bom_and_keeps_filters():
    request = RequestFactory().get("/x/", {"format": "csv", "q": "甲"})
    response = _view(request)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff名称,金额(万元)")
    assert body.splitlines()[1:] == ["甲,0.5"]
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_xlsx_export_has_numbers_and_no_formulas():
    request = RequestFactory().get("/x/", {"format": "xlsx"})
    response = _view(request)
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    assert [c.value for c in ws[1]] == ["名称", "金额(万元)"]
    assert ws["A2"].value == '\'=HYPERLINK("x")' and ws["A2"].data_type == "s"
    assert ws["B2"].value == 3500 and ws["B3"].value == 0.5


def test_without_format_the_page_renders_normally():
    assert _view(RequestFactory().get("/x/")) is None


def test_project_export_uses_the_ledger_headers(reference_data):
    qs = project_export_queryset(Project.objects.all())
    # plus 补录 (late entry, derived from the dates) and the light (computed by the lights app):
    # exported, never imported
    headers = [c.header for c in project_export_columns()]
    assert headers == [*PROJECT_HEADER, "补录", "亮灯", "亮灯原因", "亮灯日期"]
    assert list(qs) == []


@pytest.mark.parametrize("kind", ["projects", "enterprises", "events", "funds", "targets"])
def test_template_has_headers_dropdowns_and_an_example(reference_data, kind):
    wb = load_workbook(io.BytesIO(build_template(kind)))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert all(h for h in header)
    assert any(h.endswith("*") for h in header)
    assert any(c.value for c in ws[2])
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert formulas, "drop-down lists"
    assert wb["_选项"].sheet_state == "hidden"
    if kind == "projects":
        options = wb["_选项"]
        column = {h.rstrip("*"): i + 1 for i, h in enumerate(header)}
        assert "榆次区" in [c.value for c in options[chr(64 + column["县区"])]]
        assert "签约" in [c.value for c in options[chr(64 + column["阶段"])]]
        assert "特钢材料" in [c.value for c in options[chr(64 + column["产业链"])]]
        assert "产业链招商" in [c.value for c in options[chr(64 + column["招商方式"])]]
