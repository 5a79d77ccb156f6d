"""Exports of any list as CSV (streamed, UTF-8 with BOM so Excel shows Chinese) or xlsx (openpyxl
write-only, so memory stays flat), plus a mixin that adds `?format=csv|xlsx` to a list view.

Amounts go out as numbers (the unit is in the header); a text cell that a spreadsheet would run as
a formula (starting with = + - @, or a tab / carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from core.exports import safe_cell

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ExportColumn:
    header: str
    get: Callable[[Model], object]
    is_money: bool = False


def columns_from(ledger_columns) -> list[ExportColumn]:
    """Export columns from a ledger's import columns (so an export re-imports unchanged)."""
    return [ExportColumn(c.header, c.get, c.is_money) for c in ledger_columns if c.get]


def neutralise(value: object) -> object:
    """Make a value safe for a spreadsheet cell (core.exports.safe_cell, the one rule for all)."""
    return safe_cell(value)


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
    return neutralise(str(value))


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


class ExportMixin:
    """Add `?format=xlsx` / `?format=csv` to a list view, exporting the same filtered rows.

    Set `export_columns` (a list of ExportColumn, or a method `get_export_columns`) and
    `export_filename`; override `get_export_queryset()` if the rows differ from `get_queryset()`.
    All other query parameters (the filters) are kept, because the rows come from the same code.
    """

    export_columns: list[ExportColumn] = []
    export_filename = "export"
    export_sheet_title = "导出"
    export_formats = ("csv", "xlsx")

    def get_export_columns(self) -> list[ExportColumn]:
        return list(self.export_columns)

    def get_export_queryset(self):
        return self.get_queryset()

    def get_export_filename(self) -> str:
        return f"{self.export_filename}-{timezone.localdate():%Y%m%d}"

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        if fmt in self.export_formats:
            return export_response(
                fmt,
                self.get_export_columns(),
                self.get_export_queryset(),
                self.get_export_filename(),
                sheet_title=self.export_sheet_title,
            )
        return super().get(request, *args, **kwargs)
