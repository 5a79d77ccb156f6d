"""core.exports: no cell of an export runs as a formula in Excel or WPS."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from core.exports import csv_bytes, safe_cell, xlsx_append


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x")', "＝1"],
)
def test_formula_like_text_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["晋中吉利", "a=b", "", None, 5, Decimal("-3.5"), date(2023, 2, 3)]
)
def test_other_values_are_unchanged(value):
    assert safe_cell(value) == value


def test_csv_has_bom_and_safe_cells():
    data = csv_bytes(["名称", "金额"], [["=cmd|' /C calc'!A0", Decimal("356.69")]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=cmd" in text and "356.69" in text


def test_xlsx_cells_stay_text():
    book = openpyxl.Workbook()
    xlsx_append(book.active, ["=1+1", 42])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = openpyxl.load_workbook(buffer).active
    assert sheet["A1"].value == "'=1+1" and sheet["A1"].data_type == "s"
    assert sheet["B1"].value == 42
