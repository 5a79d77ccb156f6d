"""Building ledger files for tests: xlsx and csv in any encoding, from a header and rows; and the
queries an import or rollback runs (`queries_of`)."""

from __future__ import annotations

import csv
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from imports.columns import ENTERPRISE_COLUMNS, FUNDS_COLUMNS, PROJECT_COLUMNS

PROJECT_HEADER = [c.header for c in PROJECT_COLUMNS]
ENTERPRISE_HEADER = [c.header for c in ENTERPRISE_COLUMNS]
FUNDS_HEADER = [c.header for c in FUNDS_COLUMNS]


def project_row(**values) -> dict:
    row = {
        "项目名称": "年产10万吨精品钢项目",
        "投资方": "山西晋钢集团有限公司",
        "县区": "榆次区",
        "计划总投资(万元)": "3.5亿",
        "阶段": "签约",
        "登记日期": "2023/1/10",
        "签约日期": "2023年2月3日",
    }
    row.update(values)
    return row


def xlsx_bytes(
    rows: list[dict],
    header: list[str] = PROJECT_HEADER,
    sheet: str = "项目台账",
    extra_sheets: tuple[str, ...] = (),
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([row.get(h) for h in header])
    for name in extra_sheets:
        wb.create_sheet(name)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(
    rows: list[dict], header: list[str] = PROJECT_HEADER, encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return out.getvalue().encode(encoding)


def queries_of(call) -> tuple[object, list[str]]:
    """The call's result and the start of each query it ran, but the test's own savepoints (none
    outside tests) and the content types (Django reads them once per process, by whichever call
    comes first): what the bulk-path tests compare between a small and a large ledger."""
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return result, [
        q["sql"][:90]
        for q in queries.captured_queries
        if "SAVEPOINT" not in q["sql"] and "django_content_type" not in q["sql"]
    ]
