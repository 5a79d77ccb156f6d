"""Reading an uploaded ledger (xlsx or csv) into a header and rows of cell values, refusing
anything that cannot be imported whole: too large, encrypted, malformed, formulas, wrong sheet.

Every refusal is a `LedgerFileError` with a Chinese message; no row is read past the first one.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

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


class FormulaCell(Exception):
    """A formula cell, at the coordinate given (refused: formulas are not imported)."""


def _localname(tag: str) -> str:
    return tag.rpartition("}")[2]


def inline_text(node) -> str:
    """`openpyxl.cell.text.Text.from_tree(node).content` for an inline string (<is>) or a shared
    one (<si>): the plain <t> text, then each rich run's <t> text; tags matched by local name,
    the last of repeated ones kept, phonetic runs left out (as openpyxl does)."""
    plain = None
    runs = []
    for child in node:
        tag = _localname(child.tag)
        if tag == "t":
            plain = child.text
        elif tag == "r":
            text = None
            for part in child:
                if _localname(part.tag) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(runs) if plain is None else plain + "".join(runs)


def _load_workbook(data: bytes):
    """openpyxl's `load_workbook(read_only=True, data_only=False)`, except that a sheet's size is
    taken from its <dimension> record only. openpyxl looks for that record by parsing the sheet up
    to the *end* of its data, so a sheet without one (openpyxl's own write-only files, some
    generators) is parsed in full once just to learn that it has none; Excel's files have it at
    the top. Either way the sheet gets the same size as openpyxl would give it."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import (
        DATA_TAG,
        DIMENSION_TAG,
        FORMULA_TAG,
        INLINE_STRING,
        WorkSheetParser,
    )
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            # openpyxl's parse_cell, but an inline string's text (every string openpyxl itself
            # writes) read straight from the tree: `Text.from_tree(...).content` builds the
            # descriptor objects of a rich text only to join their text again.
            if element.get("t") != "inlineStr":
                return super().parse_cell(element)
            style_id = element.get("s", 0)
            if style_id:
                style_id = int(style_id)
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            data_type, value = "inlineStr", None
            if not self.data_only and element.find(FORMULA_TAG) is not None:
                data_type, value = "f", self.parse_formula(element)
            else:
                child = element.find(INLINE_STRING)
                if child is not None:
                    data_type, value = "s", inline_text(child)
            return {
                "row": row,
                "column": column,
                "value": value,
                "data_type": data_type,
                "style_id": style_id,
            }

    class Sheet(ReadOnlyWorksheet):
        def value_rows(self):
            """`iter_rows()` as lists of values (openpyxl's `_cells_by_row` and `_get_row` from
            A1, same placement of missing rows and cells), without a cell object per value;
            raises FormulaCell at the first formula."""
            max_col, max_row = self.max_column, self.max_row
            empty_row = [None] * max_col if max_col is not None else []
            counter = idx = 1
            with self._get_source() as src:
                parser = Parser(
                    src,
                    self._shared_strings,
                    data_only=self.parent.data_only,
                    epoch=self.parent.epoch,
                    date_formats=self.parent._date_formats,
                    timedelta_formats=self.parent._timedelta_formats,
                )
                for idx, cells in parser.parse():
                    if max_row is not None and idx > max_row:
                        break
                    for _ in range(counter, idx):
                        counter += 1
                        yield list(empty_row)
                    if counter <= idx:
                        counter += 1
                        if not cells and not max_col:
                            yield []
                            continue
                        width = max_col or cells[-1]["column"]
                        values = [None] * width
                        for cell in cells:
                            column = cell["column"]
                            if 1 <= column <= width:
                                if cell["data_type"] == "f":
                                    raise FormulaCell(f"{get_column_letter(column)}{cell['row']}")
                                values[column - 1] = cell["value"]
                        yield values
            if max_row is not None and max_row < idx:
                for _ in range(counter, max_row + 1):
                    yield list(empty_row)

        def _get_size(self) -> None:
            src = self._get_source()
            try:
                for _event, element in iterparse(src, events=("start",)):
                    if element.tag == DIMENSION_TAG:
                        (
                            self._min_column,
                            self._min_row,
                            self._max_column,
                            self._max_row,
                        ) = SheetDimension.from_tree(element).boundaries
                        return
                    if element.tag == DATA_TAG:
                        return  # the rows begin: no dimension record
            finally:
                src.close()

    class Reader(ExcelReader):
        def read_strings(self) -> None:  # openpyxl's, with each <si> read by inline_text
            from openpyxl.reader.excel import SHARED_STRINGS
            from openpyxl.xml.constants import SHEET_MAIN_NS
            from openpyxl.xml.functions import iterparse

            found = self.package.find(SHARED_STRINGS)
            if found is None:
                return
            string_tag = f"{{{SHEET_MAIN_NS}}}si"
            strings = []
            with self.archive.open(found.PartName[1:]) as src:
                for _event, node in iterparse(src):
                    if node.tag == string_tag:
                        strings.append(inline_text(node).replace("x005F_", ""))
                        node.clear()
            self.shared_strings = strings

        def read_worksheets(self) -> None:  # the read-only branch of openpyxl's
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    reader = Reader(io.BytesIO(data), read_only=True, data_only=False)
    reader.read()
    return reader.wb


def _read_xlsx(data: bytes, sheet_names: tuple[str, ...]) -> Table:
    try:
        # Read-only, with formulas kept (data_only=False) so a formula cell can be refused;
        # the row limit keeps memory bounded (10 MB of xlsx).
        wb = _load_workbook(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise LedgerFileError(
            _("The file is not a valid Excel workbook (.xlsx); open it in Excel and save it again.")
        ) from exc
    except Exception as exc:  # openpyxl raises a zoo of types for damaged files
        raise LedgerFileError(
            _("The file is not a valid Excel workbook (.xlsx); open it in Excel and save it again.")
        ) from exc
    try:
        titles = wb.sheetnames
        chosen = next((t for t in sheet_names if t in titles), None)
        if chosen is None:
            visible = [t for t in titles if not t.startswith("_")]
            if len(visible) == 1:
                chosen = visible[0]
            else:
                raise LedgerFileError(
                    _("No sheet named %(want)s in the workbook (it has: %(have)s).")
                    % {"want": "、".join(f"“{t}”" for t in sheet_names), "have": "、".join(titles)}
                )
        ws = wb[chosen]
        all_rows = []
        for cells in ws.value_rows():
            all_rows.append(cells)
            if len(all_rows) > MAX_ROWS + 10:
                raise LedgerFileError(
                    _("The file has more than %(max)d rows; split it into several files.")
                    % {"max": MAX_ROWS}
                )
    except FormulaCell as formula:
        raise LedgerFileError(
            _(
                "Cell %(cell)s holds a formula. Formulas are not imported: copy the "
                "sheet and paste it as values, then upload again."
            )
            % {"cell": formula.args[0]}
        ) from None
    except LedgerFileError:
        raise
    except Exception as exc:
        raise LedgerFileError(
            _("The file is not a valid Excel workbook (.xlsx); open it in Excel and save it again.")
        ) from exc
    finally:
        wb.close()
    return _table_from_rows(all_rows, sheet=chosen)
