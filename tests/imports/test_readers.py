"""Whole-file refusals: each bad file gets a clear Chinese message and nothing is imported."""

import io

import pytest
from openpyxl import Workbook

from imports import readers, services
from imports.models import ImportBatch
from projects.models import Project

from .ledgers import PROJECT_HEADER, csv_bytes, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def _check(data: bytes, filename: str) -> ImportBatch:
    return services.import_file(
        kind="projects", data=data, filename=filename, by=None, dry_run=False
    )


def test_gbk_csv_is_read_and_imported(reference_data):
    batch = _check(csv_bytes([project_row()], encoding="gbk"), "台账.csv")
    assert batch.status == ImportBatch.Status.IMPORTED, batch.preview
    assert Project.objects.get().investor.name == "山西晋钢集团有限公司"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_usual_encoding_reads_the_same(encoding):
    table = readers.read_table(csv_bytes([project_row()], encoding=encoding), "a.csv")
    assert table.header == PROJECT_HEADER
    assert table.rows[0][1][1] == "年产10万吨精品钢项目"


def test_password_protected_workbook_is_refused(reference_data):
    # Excel writes an encrypted xlsx as an OLE2 compound file, like an old .xls.
    data = readers.OLE2_MAGIC + b"\x00" * 600
    batch = _check(data, "加密.xlsx")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "密码" in batch.message
    assert not Project.objects.exists()


def test_malformed_workbook_is_refused(reference_data):
    batch = _check(b"PK\x03\x04 this is not really a zip file", "坏.xlsx")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "不是有效的 Excel" in batch.message


def test_formula_cell_is_refused_and_nothing_imported(reference_data):
    wb = Workbook()
    ws = wb.active
    ws.title = "项目台账"
    ws.append(PROJECT_HEADER)
    row = project_row()
    ws.append([row.get(h) for h in PROJECT_HEADER])
    ws["J2"] = "=1+2"
    out = io.BytesIO()
    wb.save(out)
    batch = _check(out.getvalue(), "公式.xlsx")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "J2" in batch.message and "公式" in batch.message
    assert not Project.objects.exists()


def test_wrong_sheet_is_refused(reference_data):
    data = xlsx_bytes([project_row()], sheet="Sheet1", extra_sheets=("Sheet2",))
    batch = _check(data, "多表.xlsx")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "项目台账" in batch.message


def test_single_sheet_with_another_name_is_read(reference_data):
    batch = _check(xlsx_bytes([project_row()], sheet="Sheet1"), "a.xlsx")
    assert batch.status == ImportBatch.Status.IMPORTED


def test_missing_required_column_is_refused(reference_data):
    header = [h for h in PROJECT_HEADER if h != "县区"]
    batch = _check(xlsx_bytes([project_row()], header=header), "缺列.xlsx")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "县区" in batch.message
    assert not Project.objects.exists()


def test_too_many_rows_is_refused(reference_data, monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 2)
    batch = _check(csv_bytes([project_row(项目名称=f"项目{i}") for i in range(3)]), "a.csv")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "最多" in batch.message


def test_too_large_file_is_refused(reference_data, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)
    batch = _check(csv_bytes([project_row()]), "a.csv")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "MB" in batch.message


def test_overlong_cell_is_refused(reference_data):
    batch = _check(csv_bytes([project_row(备注="很" * 3000)]), "a.csv")
    assert batch.status == ImportBatch.Status.REJECTED
    assert "备注" in batch.message


def test_other_file_types_are_refused(reference_data):
    batch = _check(b"%PDF-1.4", "台账.pdf")
    assert batch.status == ImportBatch.Status.REJECTED


def test_binary_that_is_no_text_is_refused(reference_data):
    batch = _check(bytes(range(256)) * 4, "a.csv")
    assert batch.status == ImportBatch.Status.REJECTED


def _openpyxl_table(data: bytes, sheet: str) -> readers.Table:
    """The oracle: openpyxl's public read-only API, cell by cell, in the shape the reader promises
    (empty cells None, whole numbers int, midnight datetimes as dates)."""
    import datetime as dt

    from openpyxl import load_workbook

    def shape(value):
        if value == "":
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dt.datetime) and value.time() == dt.time():
            return value.date()
        return value

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    ws = wb[sheet]
    ws.reset_dimensions()
    rows = [[shape(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return readers._table_from_rows(rows, sheet=sheet)


@pytest.mark.parametrize("write_only", [False, True])
def test_workbook_reads_as_openpyxl_reads_it_with_or_without_a_dimension_record(write_only):
    """Excel writes a sheet's size at its top; openpyxl's write-only mode writes none. Same table,
    gaps (an empty row, a short row, a row wider than the header) included."""
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("项目台账") if write_only else wb.active
    rows = [["台账编号", "项目名称", None], ["A-1", "甲"], [], ["A-2", "乙", None, "多余"]]
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    table = readers.read_table(data, "a.xlsx")
    expected = _openpyxl_table(data, table.sheet)
    assert (table.header, table.rows) == (expected.header, expected.rows)
    assert table.rows == [(2, ["A-1", "甲"]), (4, ["A-2", "乙"])]


def test_rows_keep_their_excel_numbers_when_the_sheet_starts_lower_down():
    wb = Workbook()
    ws = wb.active
    ws["B3"], ws["C3"] = "台账编号", "项目名称"
    ws["B5"], ws["C5"] = "A-1", "甲"
    ws.merge_cells("B6:C6")
    ws["B6"] = "合并"
    out = io.BytesIO()
    wb.save(out)
    table = readers.read_table(out.getvalue(), "a.xlsx")
    assert table.header == ["", "台账编号", "项目名称"]
    # A merged cell's value is its first cell's, as Excel and openpyxl show it.
    assert table.rows == [(5, [None, "A-1", "甲"]), (6, [None, "合并", None])]


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _with_shared_strings(data: bytes) -> bytes:
    """openpyxl writes every string inline; Excel writes them to a shared-string table. The same
    workbook with its inline strings moved to such a table."""
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    strings: list[str] = []

    def shared(match):
        strings.append(match.group(2))
        return f'<c{match.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                body = re.sub(
                    r'<c([^>]*?) t="inlineStr"><is>(.*?)</is></c>', shared, body.decode()
                ).encode()
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                    b"</Relationships>",
                )
            dst.writestr(item, body)
        table = "".join(f"<si>{s}</si>" for s in strings)
        dst.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{table}</sst>',
        )
    return out.getvalue()


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("write_only", [False, True])
def test_sheet_values_are_openpyxls_cell_by_cell(write_only, shared):
    """Every value as openpyxl's own read-only iter_rows gives it: inline or shared strings,
    numbers, dates, booleans, empty and missing rows and cells."""
    import datetime as dt
    from decimal import Decimal

    from imports.values import parse_money

    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("项目台账") if write_only else wb.active
    rows = [
        ["台账编号", "项目名称", "金额", "日期", "是否", "时间", "空"],
        ["A-1", "  甲 \t乙 ", 12.5, dt.datetime(2024, 3, 1), True, dt.datetime(2024, 3, 1, 10, 30)],
        [],
        [None, "", 0, None, False],
        ["<&>", "丙", 10**12, dt.date(2023, 1, 2), None, None, None, "多余"],
        ["A-3", "丁", 0.1, "2023-01-02", None, None, 1234.5678],
    ]
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    data = _with_shared_strings(out.getvalue()) if shared else out.getvalue()

    table = readers.read_table(data, "a.xlsx")
    expected = _openpyxl_table(data, table.sheet)
    assert (table.header, table.rows) == (expected.header, expected.rows)
    assert table.rows[0][1][1] == "  甲 \t乙 "
    assert table.rows[0][1][3] == dt.date(2024, 3, 1)
    assert table.rows[2][1][2] == 10**12 and isinstance(table.rows[2][1][2], int)
    # Numbers reach the amount parser as the user typed them (via str, never float arithmetic).
    assert parse_money(table.rows[3][1][2]) == Decimal("0.1")
    assert parse_money(table.rows[3][1][6]) == Decimal("1234.5678")
