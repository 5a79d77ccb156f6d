"""Reading an uploaded ledger (xlsx or csv) into a header and rows of cell values, refusing
anything that cannot be imported whole: too large, encrypted, malformed, formulas, wrong sheet.

Every refusal is a `LedgerFileError` with a Chinese message; no row is read past the first one.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL_CHARS = 2_000
MAX_COLUMNS = 100
# An OLE2 compound file: an old .xls, or an xlsx that Excel encrypted with a password.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class LedgerFileError(Exception):
    """The file as a whole cannot be imported; the message says why, in the user's language."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list]]  # (row number as the user sees it in Excel, cells)
    sheet: str = ""
    warnings: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str, *, sheet_names: tuple[str, ...] = ()) -> Table:
    """Read a whole ledger. `sheet_names`: the sheet titles we accept, the first match wins; a
    workbook with one sheet is read whatever its title."""
    if len(data) > MAX_FILE_BYTES:
        raise LedgerFileError(
            _("The file is larger than %(mb)d MB; split it into several files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not data:
        raise LedgerFileError(_("The file is empty."))
    name = (filename or "").lower()
    if data.startswith(OLE2_MAGIC):
        raise LedgerFileError(
            _(
                "The file is password-protected or in the old .xls format. Remove the password and "
                "save it as .xlsx (Excel workbook) or CSV."
            )
        )
    if data.startswith(ZIP_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data, sheet_names)
    elif name.endswith((".csv", ".txt")) or not name:
        table = _read_csv(data)
    else:
        raise LedgerFileError(_("Only .xlsx and .csv files can be imported."))
    _check_limits(table)
    return table


def _check_limits(table: Table) -> None:
    if len(table.rows) > MAX_ROWS:
        raise LedgerFileError(
            _("The file has %(n)d rows; at most %(max)d rows can be imported at once.")
            % {"n": len(table.rows), "max": MAX_ROWS}
        )
    if len(table.header) > MAX_COLUMNS:
        raise LedgerFileError(_("The sheet has too many columns."))
    for row_no, cells in table.rows:
        for i, value in enumerate(cells):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                col = table.header[i] if i < len(table.header) else str(i + 1)
                raise LedgerFileError(
                    _("Row %(row)d, column “%(col)s”: a cell holds more than %(max)d characters.")
                    % {"row": row_no, "col": col, "max": MAX_CELL_CHARS}
                )


def _decode(data: bytes) -> str:
    # Excel on a Chinese Windows saves "CSV" as GBK; GB18030 is its superset, so try it second.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(_("The CSV file is neither UTF-8 nor GBK/GB18030 text."))


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    if "\x00" in text:
        raise LedgerFileError(_("The file is not a readable CSV file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        all_rows = list(reader)
    except csv.Error as exc:
        raise LedgerFileError(_("The CSV file is malformed: %(err)s") % {"err": exc}) from exc
    return _table_from_rows(all_rows, sheet="")


def _table_from_rows(all_rows: list[list], sheet: str) -> Table:
    numbered = [(i + 1, r) for i, r in enumerate(all_rows)]
    numbered = [(n, r) for n, r in numbered if any(_present(c) for c in r)]
    if not numbered:
        raise LedgerFileError(_("The sheet has no header row."))
    header_no, header = numbered[0]
    header = [str(h).strip() if h is not None else "" for h in header]
    while header and not header[-1]:
        header.pop()
    rows = []
    for n, r in numbered[1:]:
        cells = list(r[: len(header)]) + [None] * (len(header) - len(r))
        rows.append((n, cells))
    return Table(header=header, rows=rows, sheet=sheet)


def _present(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _read_xlsx(data: bytes, sheet_names: tuple[str, ...]) -> Table:
    """The chosen sheet's values through python-calamine (a Rust reader, about twenty times
    faster than openpyxl's read-only mode on a 10,000-row ledger: docs/PERFORMANCE-IMPORT.md).

    Cells come back as openpyxl's read-only `iter_rows(values_only=True)` gives them, so the
    column parsers see one shape whatever wrote the file: an empty cell is None (calamine says
    ""), a whole number is an int (calamine gives every number as a float), a date a date.
    Calamine returns a formula's cached result; formulas are refused outright, so the sheet's XML
    is looked at for a formula element first (`_first_formula`)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        titles = list(wb.sheet_names)
    except (CalamineError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LedgerFileError(_NOT_XLSX()) from exc
    try:
        chosen = next((t for t in sheet_names if t in titles), None)
        if chosen is None:
            visible = [t for t in titles if not t.startswith("_")]
            if len(visible) != 1:
                raise LedgerFileError(
                    _("No sheet named %(want)s in the workbook (it has: %(have)s).")
                    % {"want": "、".join(f"“{t}”" for t in sheet_names), "have": "、".join(titles)}
                )
            chosen = visible[0]
        formula = _first_formula(data, titles.index(chosen))
        if formula:
            raise LedgerFileError(
                _(
                    "Cell %(cell)s holds a formula. Formulas are not imported: copy the "
                    "sheet and paste it as values, then upload again."
                )
                % {"cell": formula}
            )
        sheet = wb.get_sheet_by_name(chosen)
        if sheet.height > MAX_ROWS + 10:
            raise LedgerFileError(
                _("The file has more than %(max)d rows; split it into several files.")
                % {"max": MAX_ROWS}
            )
        all_rows = [[_cell_value(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
    except LedgerFileError:
        raise
    except Exception as exc:  # a damaged part of the package, whatever the reader raises
        raise LedgerFileError(_NOT_XLSX()) from exc
    finally:
        wb.close()
    return _table_from_rows(all_rows, sheet=chosen)


def _NOT_XLSX() -> str:  # noqa: N802 (a message, translated when raised)
    return _("The file is not a valid Excel workbook (.xlsx); open it in Excel and save it again.")


def _cell_value(value):
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# A formula element (<f>, any namespace prefix) and the cell reference before it.
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+[0-9]+)"')
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _first_formula(data: bytes, index: int) -> str:
    """The reference of the first formula cell of the workbook's `index`-th sheet, or "".
    The sheet's part is found as the package names it (workbook.xml's <sheet> elements, in
    calamine's order, and their relationships), then its XML is searched, not parsed."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        # Small, fixed-shape parts of a file that calamine has just opened; ElementTree (expat)
        # refuses external entities and bounds entity expansion.
        workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))  # noqa: S314  # nosec B314
        rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))  # noqa: S314  # nosec B314
        sheets = [el for el in workbook.iter() if _localname(el.tag) == "sheet"]
        rel_id = sheets[index].get(f"{{{_REL_NS}}}id")
        target = next(el.get("Target") for el in rels if el.get("Id") == rel_id)
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        xml = package.read(part)
    found = _FORMULA.search(xml)
    if found is None:
        return ""
    refs = list(_CELL_REF.finditer(xml, max(0, found.start() - 2000), found.start()))
    return refs[-1].group(1).decode() if refs else "?"


def _localname(tag: str) -> str:
    return tag.rpartition("}")[2]
