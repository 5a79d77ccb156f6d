"""Ledger import benchmark: a ROWS-row xlsx project ledger imported into a database already holding
BASE projects, next to a floor measured in the same run (openpyxl read-only parse of the same file
plus a COPY of the same rows into a scratch table), with queries per 1,000 rows.

    DATABASE_URL=... .venv/bin/python bench/import_bench.py --rows 1000 --base 10000

It creates a scratch database (<database>_bench_imports), so it never touches the development data, and
writes docs/PERFORMANCE-IMPORT.md. The issue's full setting (10,000 rows on 10^6 projects) is
`--rows 10000 --base 1000000`; the base is filled with one multi-row INSERT per 10,000 projects.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_IMPORT_ROWS", 10000)))
    parser.add_argument("--base", type=int, default=int(os.environ.get("BENCH_IMPORT_BASE", 10000)))
    parser.add_argument("--out", default=str(BASE_DIR / "docs" / "PERFORMANCE-IMPORT.md"))
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-0123456789-0123456789")
    import django
    from django.test.utils import get_runner  # noqa: F401  (ensures test settings import)

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    # Named after the configured database, so benches of several checkouts never share one.
    scratch = f"{settings.DATABASES['default']['NAME']}_bench_imports"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = scratch
    connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch
    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        report = run(args.rows, args.base, connection)
    finally:
        teardown_databases(old, verbosity=0)
    Path(args.out).write_text(report, encoding="utf-8")
    print(report)


def _ledger(rows: int) -> bytes:
    from openpyxl import Workbook

    from imports.columns import PROJECT_COLUMNS

    header = [c.header for c in PROJECT_COLUMNS]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("项目台账")
    ws.append(header)
    regions = ["榆次区", "太谷区", "祁县", "平遥县", "介休市"]
    for i in range(rows):
        values = {
            "台账编号": f"B-{i:06d}",
            "项目名称": f"基准项目{i:06d}",
            "投资方": f"基准投资方{i % 500:04d}有限公司",
            "县区": regions[i % len(regions)],
            "计划总投资(万元)": 1000 + i,
            "阶段": "签约",
            "登记日期": "2023-01-10",
            "签约日期": "2023-02-03",
        }
        ws.append([values.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fill_base(n: int, connection) -> float:
    """n existing projects, inserted in bulk (the services are not what is measured here)."""
    from core.models import Region
    from enterprises.models import Enterprise

    start = time.perf_counter()
    investor = Enterprise.objects.create(name="存量投资方", normalized_name="存量投资方")
    region_ids = list(Region.objects.values_list("id", flat=True))
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO projects_project (name, investor_id, region_id, planned_investment, currency,
                stage, registered_on, is_out_of_province, is_foreign, is_confidential, notes,
                drop_reason, is_deleted, created_at, updated_at)
            SELECT '存量项目' || g, %s, (%s::bigint[])[1 + g %% %s], 100, 'CNY', 'lead',
                   DATE '2022-01-01', false, false, false, '', '', false, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [investor.pk, region_ids, len(region_ids), n],
        )
        cur.execute("ANALYZE projects_project")
    return time.perf_counter() - start


def _floor(data: bytes, connection) -> float:
    """openpyxl read-only parse of the file plus a COPY of the same rows."""
    from openpyxl import load_workbook

    start = time.perf_counter()
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))[1:]
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join("" if v is None else str(v) for v in r) + "\n")
    buf.seek(0)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE floor_rows ("
            + ", ".join(f"c{i} text" for i in range(len(rows[0])))
            + ")"
        )
        cur.cursor.copy_expert("COPY floor_rows FROM STDIN", buf)
        cur.execute("DROP TABLE floor_rows")
    return time.perf_counter() - start


class CaptureQueriesContext:
    """Counts queries without keeping them (Django's own keeps only the last 9,000)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.count = 0

    def _count(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self._count)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def run(rows: int, base: int, connection) -> str:

    from demo import loader
    from imports import services
    from projects.models import Project

    load_before = os.getloadavg()[0]
    loader.load_reference()
    fill_s = _fill_base(base, connection)
    data = _ledger(rows)
    floor_s = _floor(data, connection)

    batch = services.batch_create(kind="projects", filename="bench.xlsx", data=data, by=None)
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as preview_q:
        batch = services.batch_preview(batch=batch)
    preview_s = time.perf_counter() - start
    assert batch.summary["new"] == rows, batch.summary
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as import_q:
        batch = services.batch_import(batch=batch, by=None)
    import_s = time.perf_counter() - start
    assert batch.status == "imported", batch.message
    assert Project.objects.count() == base + rows

    # Re-import of the same file: everything unchanged.
    again = services.batch_create(kind="projects", filename="bench.xlsx", data=data, by=None)
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as again_q:
        again = services.batch_preview(batch=again)
    again_s = time.perf_counter() - start
    assert again.summary["unchanged"] == rows

    load_after = os.getloadavg()[0]
    total = preview_s + import_s
    ratio = total / floor_s
    per_k = lambda q: q.count * 1000 / rows  # noqa: E731
    queries_k = (preview_q.count + import_q.count) * 1000 / rows
    status = (
        "meets both goals"
        if ratio <= 3 and queries_k <= 10
        else "meets the query goal, not the time goal"
        if queries_k <= 10
        else "misses the query goal"
    )
    return f"""# Ledger import performance

Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, shared with other
jobs while it ran: 1-minute load average {load_before:.1f} before the run, {load_after:.1f} after it),
PostgreSQL, `BENCH_IMPORT_ROWS={rows} BENCH_IMPORT_BASE={base} bench/import_bench.py`
(`make bench BENCH_PARTS=import` runs it with the environment's values; defaults 10,000 rows on
10,000 projects; the issue's setting is `BENCH_IMPORT_BASE=1000000`).

| what | seconds | queries per 1,000 rows |
|---|---:|---:|
| base: {base:,} projects inserted in bulk | {fill_s:.1f} | |
| floor: openpyxl read-only parse + COPY of the same {rows:,} rows | {floor_s:.2f} | |
| preview (parse, resolve keys in bulk, validate every new row) | {preview_s:.2f} | {per_k(preview_q):.1f} |
| import (one transaction: re-check, COPY writes) | {import_s:.2f} | {per_k(import_q):.1f} |
| **preview + import, end to end** | **{total:.2f} ({ratio:.1f}× the floor)** | **{queries_k:.1f}** |
| re-import of the same file, preview (all unchanged) | {again_s:.2f} | {per_k(again_q):.1f} |

Goals in issue 8: ≤ 3× the floor and ≤ 10 queries per 1,000 rows, for 10,000 rows on 10^6
projects. Status of this run: **{status}**.

How it works. The preview parses the file once (the parsed table is kept per process, keyed by the
file's hash, together with the parsed text, amount and date cells). A sheet's size is taken from
its `<dimension>` record only: openpyxl looks for that record by parsing the sheet to the end of
its data, so a sheet without one (this bench's file, written by openpyxl's write-only mode) is
parsed twice by plain `load_workbook`, and the floor pays that; Excel's own files have the record
at the top and both read them once. The sheet is read with openpyxl's own parser, except that a
string's text (inline, as openpyxl writes every string, or in the shared-string table, as Excel
does) is taken straight from the XML rather than through openpyxl's rich-text objects, and the
values come from the parser's cell records without a cell object each (tests/imports/test_readers.py
compares every value with openpyxl's read-only `iter_rows`): 0.6 s instead of 1.0 s for this
file. Regions, parks, chains, links, methods, investors (credit
code, then name), ledger ids and existing projects (by name, through an index on the name: the names are sent as one
array parameter, `name = ANY(%s)`, not as 10,000 placeholders) are resolved with one query per
kind of lookup, and every new row is checked by building the very
object `projects.services.project_bulk_create` will write (`new_project`, built by
`core.bulk.new_instance` without Django's model constructor: defaults and values straight into
the instance) and running `validate_new_project` on it: `validate_project`'s rules, then each
field's own check (what `full_clean` runs) remembered by value (`core.bulk.clean_fields_remembered`:
10,000 rows share a handful of stages, dates and empty cells). Property tests in
tests/imports/test_lean_checks.py prove both agree with Django's constructor and `full_clean` on
random rows. The import re-plans inside its transaction, resolving every reference again against
the database as it is then (only the pure cell parsing is reused), and writes new investors
through `enterprises.services.enterprise_bulk_create` and new projects through
`project_bulk_create`. Their re-check is a lookup when the row is identical to one the preview
checked in the same process: the memo is keyed by every value the rules read (all the project's
fields, the day, the park's region, the chain link's chain), so a changed cell, a new day, a park
moved to another county or a link moved to another chain is checked again in full, and a preview
run by a worker in another process simply means a full check. Projects, their first StageChange
rows, new investors and ledger ids are built without the model constructor and written with
PostgreSQL COPY (`core.bulk.copy_insert`: ids drawn from the table's sequence in one query, then
one COPY per table, its text formatted a column at a time, each distinct value of a column once
where equal values always give the same text, and joined by `str.join`), plus one rollup outbox row naming every bucket the new projects count in.
Their change-history rows (`core.history.bulk_history`) are written by one `INSERT … SELECT`
from the rows just copied: the receivers of simple-history's signals connected here (client IP,
the import batch's reason and list) are marked as treating every record of a call alike, so they
run once on a record built for the first object, the batch gets every (object, history id) pair
from the statement's `RETURNING`, and no per-record object is built; any other receiver brings
back the per-record path (built records, both signals per record, COPY). The batch row is saved once by the preview and once by the
import, never rewriting the uploaded file; the import does not load the preview, and does not
write it again when its re-check gives the preview this process stored and the row has not been
saved since (its `updated_at`). Progress goes to Redis at most every 0.25 s (and at the end),
not every 100 or 200 rows. Python's garbage collector is
paused while a file is checked or written. Rows that update an existing project still go one by
one through the pipeline services (stage moves need `project_advance_stage`), so a ledger of
mostly updates is slower than this one. The query column counts statements through Django's
cursor; the four COPY statements of an import (investors, projects, stage changes, ledger ids) bypass
it and add 0.4 per 1,000 rows at 10,000 rows.

Where the remaining time goes (timed by phase at 10,000 rows on 10^4 and 10^6 projects, machine
shared): reading the xlsx is most of the preview (the XML parsing, about half the floor);
checking the 10,000 new rows about 0.5 s. In the import, about a third is database time:
the COPYs into tables that carry their real indexes (34 on projects, for the list filters, the
rollup cells and the name match; inserting 10,000 rows into the 10^6-row table costs about 0.3 s
against 0.01 s into an unindexed one), the deferred foreign-key checks at commit (about 0.2 s)
and the re-plan's lookups, and the history `INSERT … SELECT` (about 0.15 s); the rest is
building and checking the projects and the re-plan (formatting the COPY text is now about
0.07 s). The preview's save of the batch row stores the preview (10,000 small JSON objects,
1.2 MB with Chinese escaped as \\uXXXX): about 0.08 s; an import run by a worker other than the
one that previewed writes it again.

History: 1,000 rows on 10^4 projects, every row through the single-row services: 139× the
floor, about 74,500 queries per 1,000 rows. Bulk services with Django's `bulk_create`: 6.8× at
10,000 rows on 10^6 projects (floor 5.35 s; preview 12.09 s, import 24.23 s), 4.9 queries per
1,000 rows. COPY writes: 4.4× (floor 3.03 s; preview 6.56 s, import 6.76 s), 3.3 queries per
1,000 rows; then the constructor-free instances, the remembered field checks, the name index and
the single read of a sheet without a dimension record: 3.4× (floor 1.88 s; preview 2.94 s,
import 3.38 s); then history by `INSERT … SELECT` and the names as one array parameter: 3.0-3.3×
over several runs (floor 1.35-1.55 s; preview 2.3-2.6 s, import 2.0-2.4 s); then the string
text read straight from the XML without cell objects, the column-at-a-time COPY text, the
preview not rewritten and the throttled progress gave the figures above (at 10,000 rows on
10^4 projects, same machine minutes apart: 2.8× before these, 2.5× after).

Indexes on projects_project that look redundant (left in place; dropping the three below saves
about 0.04 s of the 0.3 s index time per 10,000 rows at 10^6): `projects_project_region_id`
(every `(region_id, …)` index serves it), `projects_project_stage_…_like` (pattern ops on a choice
field nobody searches with LIKE), `projects_project_is_deleted` (a boolean, and every list query
already uses a partial index on `NOT is_deleted`); the plain `project_rgn_<milestone>` indexes
duplicate the leading columns of the rollups' covering `rollup_prj_<milestone>` ones, which are
being reworked in the rollups app, so they were left alone.
"""


if __name__ == "__main__":
    main()
