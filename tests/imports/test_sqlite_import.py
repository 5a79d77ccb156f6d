"""Ledger imports on the embedded default (SQLite, what `make run` starts): the whole path, in a
subprocess on a fresh SQLite file, since the rest of the suite runs on PostgreSQL.

One set-up (the session's migrate + load_demo, copied) serves every check: the exported project list
and the downloadable template import through `manage.py import_ledger`, and a 20-row ledger with
one bad row goes through the upload page (Django's test client inside the subprocess)."""

import json
import re
import shutil
import textwrap

import pytest

from tests.conftest import embedded_env, manage

# Run by `manage.py shell -c` on the SQLite file: the project list exported from its page and the
# projects template downloaded from /imports/, as admin.
DOWNLOAD = textwrap.dedent(
    """
    import os
    from django.test import Client
    from accounts.models import User
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="admin"))
    listed = client.get("/imports/export/projects/", {"format": "xlsx"})
    assert listed.status_code == 200, listed.status_code
    with open(os.environ["LEDGER_DIR"] + "/exported.xlsx", "wb") as out:
        out.write(b"".join(listed.streaming_content))
    template = client.get("/imports/templates/projects.xlsx")
    assert template.status_code == 200, template.status_code
    with open(os.environ["LEDGER_DIR"] + "/template.xlsx", "wb") as out:
        out.write(template.content)
    """
)

# A 20-row ledger, row 6 of the sheet with a bad amount, uploaded and confirmed through the
# upload page as city staff; prints what the pages showed.
PARTIAL = textwrap.dedent(
    """
    import io, re
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from openpyxl import Workbook
    from accounts.models import User
    wb = Workbook(); ws = wb.active; ws.title = "项目台账"
    ws.append(["项目名称", "投资方", "县区", "计划总投资(万元)", "阶段", "登记日期"])
    for i in range(20):
        ws.append([f"SQLite台账项目{i:02d}", f"SQLite台账公司{i:02d}", "榆次区",
                   "三千万左右" if i == 4 else "3500", "洽谈", "2023-01-10"])
    data = io.BytesIO(); wb.save(data)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="city_staff"))
    upload = client.post("/imports/", {"kind": "projects",
                                       "file": SimpleUploadedFile("台账.xlsx", data.getvalue())})
    assert upload.status_code == 302, upload.status_code
    page = client.get(upload.url).content.decode()
    errors = re.search(r'data-testid="error-list">(.*?)</table>', page, re.S).group(1)
    print("ERRORS", [c.strip() for c in re.findall(r"<td>(.*?)</td>", errors, re.S)])
    print("OFFERED", "跳过错误行，导入其余 19 行" in page)
    done = client.post(upload.url + "confirm/", {"skip_errors": "1"})
    print("AFTER", "已跳过 1 行错误数据" in client.get(done.url).content.decode())
    listed = client.get("/projects/", {"q": "SQLite台账项目"}).content.decode()
    print("LISTED", sorted(set(re.findall(r"SQLite台账项目[0-9]{2}", listed))))
    """
)

# 30 new projects at 签约, then the same ledger again: every amount changed, even rows moved on
# to 开工 (core.history's UPDATE … FROM (VALUES …) and history INSERT … SELECT on SQLite), then
# rolled back; prints what the database holds after each step, as JSON.
UPDATES = textwrap.dedent(
    """
    import io, json
    from openpyxl import Workbook
    from imports import services
    from imports.models import ImportBatch
    from projects.models import Project
    def ledger(amount, moved):
        wb = Workbook(); ws = wb.active; ws.title = "项目台账"
        ws.append(["台账编号", "项目名称", "投资方", "县区", "计划总投资(万元)", "阶段",
                   "登记日期", "签约日期", "开工日期"])
        for i in range(30):
            started = moved and i % 2 == 0
            ws.append([f"SQ-{i:02d}", f"SQLite更新项目{i:02d}", f"SQLite更新公司{i % 5}", "榆次区",
                       str(amount + i), "开工" if started else "签约", "2023-01-10",
                       "2023-02-03", "2023-05-06" if started else None])
        data = io.BytesIO(); wb.save(data)
        return data.getvalue()
    def rows(qs):
        return sorted([r.name, float(r.planned_investment), r.stage, str(r.started_on)] for r in qs)
    def show(label, batch, **more):
        projects = Project.objects.filter(name__startswith="SQLite更新项目")
        print(label, json.dumps({"status": batch.status, "summary": batch.summary,
                                 "rows": rows(projects), **more}, ensure_ascii=False))
    first = services.import_file(kind="projects", data=ledger(1000, False), filename="a.xlsx",
                                 by=None, dry_run=False)
    show("NEW", first)
    second = services.import_file(kind="projects", data=ledger(5000, True), filename="b.xlsx",
                                  by=None, dry_run=False)
    records = Project.history.filter(history_change_reason=f"台账导入 #{second.pk}")
    show("UPDATED", second, history=rows(records),
         types=sorted({r.history_type for r in records}))
    show("ROLLEDBACK", services.batch_rollback(batch=ImportBatch.objects.get(pk=second.pk), by=None))
    """
)

# One project's ledger row, 终止 at first: revived at 签约, then a 终止 row without its 终止日期
# and 终止原因 (refused: projects.services._ledger_moves), then the revival rolled back; prints
# each batch and the project after it, as JSON.
DROPS = textwrap.dedent(
    """
    import io, json
    from openpyxl import Workbook
    from imports import services
    from imports.models import ImportBatch
    from projects.models import Project
    HEADER = ["项目名称", "投资方", "县区", "计划总投资(万元)", "阶段", "登记日期", "签约日期",
              "开工日期", "终止日期", "终止原因"]
    def ledger(**cells):
        row = dict(zip(HEADER, ["SQLite终止项目", "SQLite终止公司", "榆次区", "1000", "终止",
                                "2023-01-10", "2023-02-03", "2023-03-01", "2024-01-05", "搁置"]))
        row.update(cells)
        wb = Workbook(); ws = wb.active; ws.title = "项目台账"
        ws.append(HEADER); ws.append([row[h] for h in HEADER])
        data = io.BytesIO(); wb.save(data)
        return data.getvalue()
    def show(label, batch):
        p = Project.objects.get(name="SQLite终止项目")
        print(label, json.dumps({
            "status": batch.status, "summary": batch.summary,
            "errors": [e for r in batch.preview for e in r["errors"]],
            "project": [p.stage, str(p.started_on), str(p.dropped_on), p.drop_reason,
                        p.stage_changes.count()]}, ensure_ascii=False))
    def run(label, **cells):
        batch = services.import_file(kind="projects", data=ledger(**cells), filename="d.xlsx",
                                     by=None, dry_run=False)
        show(label, batch)
        return batch
    run("DROPPED")
    revived = run("REVIVED", 阶段="签约", 开工日期=None)
    run("UNDATED", 开工日期=None, 终止日期=None, 终止原因=None)
    show("ROLLEDBACK", services.batch_rollback(batch=ImportBatch.objects.get(pk=revived.pk), by=None))
    """
)


# Five projects at 洽谈, then an events ledger signing them at one event (events.services'
# signing_bulk_record: the moves, the signings and their history in bulk), then rolled back;
# prints the projects and signings after each step, as JSON.
EVENTS = textwrap.dedent(
    """
    import io, json
    from openpyxl import Workbook
    from events.models import PromotionEvent, Signing
    from imports import services
    from imports.columns import EVENT_COLUMNS
    from projects.models import Project
    wb = Workbook(); ws = wb.active; ws.title = "项目台账"
    ws.append(["项目名称", "投资方", "县区", "计划总投资(万元)", "阶段", "登记日期", "洽谈日期"])
    for i in range(5):
        ws.append([f"SQLite活动项目{i}", f"SQLite活动公司{i}", "榆次区", "2000", "洽谈",
                   "2023-01-10", "2023-03-01"])
    data = io.BytesIO(); wb.save(data)
    services.import_file(kind="projects", data=data.getvalue(), filename="p.xlsx", by=None,
                         dry_run=False)
    header = [c.header for c in EVENT_COLUMNS]
    wb = Workbook(); ws = wb.active; ws.title = "活动签约"; ws.append(header)
    for i in range(5):
        row = {"活动名称": "SQLite推介会", "开始日期": "2023-06-08", "结束日期": "2023-06-09",
               "活动类型": "推介会", "举办城市": "深圳市", "主办县区": "榆次区",
               "签约项目名称": f"SQLite活动项目{i}", "签约日期": "2023-06-09"}
        ws.append([row.get(h) for h in header])
    data = io.BytesIO(); wb.save(data)
    def show(label, batch):
        projects = Project.objects.filter(name__startswith="SQLite活动项目").order_by("name")
        print(label, json.dumps({
            "status": batch.status, "summary": batch.summary,
            "projects": [[p.stage, str(p.signed_on)] for p in projects],
            "signings": Signing.objects.filter(project__in=projects).count(),
            "events": PromotionEvent.objects.filter(title="SQLite推介会").count()},
            ensure_ascii=False))
    batch = services.import_file(kind="events", data=data.getvalue(), filename="e.xlsx", by=None,
                                 dry_run=False)
    show("SIGNED", batch)
    show("ROLLEDBACK", services.batch_rollback(batch=batch, by=None))
    """
)


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory, embedded_demo_file) -> dict:
    """A SQLite file with the demo loaded (the session's migrate + load_demo, copied), and the
    environment `make run` would use."""
    folder = tmp_path_factory.mktemp("sqlite-import")
    shutil.copyfile(embedded_demo_file, folder / "db.sqlite3")
    return embedded_env(SQLITE_PATH=str(folder / "db.sqlite3"), LEDGER_DIR=str(folder))


def test_exported_list_and_template_import_on_sqlite(sqlite_env):
    manage(sqlite_env, "shell", "-c", DOWNLOAD)
    folder = sqlite_env["LEDGER_DIR"]

    exported = manage(sqlite_env, "import_ledger", f"{folder}/exported.xlsx")
    summary = re.search(
        r"Imported batch #\d+: new (\d+), update (\d+), unchanged (\d+), error (\d+)",
        exported.stdout,
    )
    assert summary, exported.stdout
    new, update, unchanged, error = map(int, summary.groups())
    assert (new, update, error) == (0, 0, 0)
    assert unchanged > 300  # every demo project, found and unchanged

    template = manage(sqlite_env, "import_ledger", f"{folder}/template.xlsx")
    assert "Imported batch" in template.stdout
    assert "new 1, update 0, unchanged 0, error 0" in template.stdout


def test_ledger_with_one_bad_row_imports_the_others_on_sqlite(sqlite_env):
    shown = manage(sqlite_env, "shell", "-c", PARTIAL).stdout
    lines = dict(line.split(" ", 1) for line in shown.splitlines() if " " in line)
    assert lines["ERRORS"] == repr(
        ["6", "计划总投资(万元)", "“三千万左右”含有不允许的字符:请使用半角数字,如 3500 或 3.5亿。"]
    )
    assert lines["OFFERED"] == "True"
    assert lines["AFTER"] == "True"
    expected = sorted(f"SQLite台账项目{i:02d}" for i in range(20) if i != 4)
    assert lines["LISTED"] == repr(expected)


def test_ledger_updates_and_their_rollback_on_sqlite(sqlite_env):
    shown = manage(sqlite_env, "shell", "-c", UPDATES).stdout
    steps = {
        line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
        for line in shown.splitlines()
        if line.startswith(("NEW ", "UPDATED ", "ROLLEDBACK "))
    }
    assert steps["NEW"]["status"] == "imported", steps["NEW"]
    updated = steps["UPDATED"]
    assert updated["status"] == "imported" and updated["summary"]["update"] == 30, updated
    expected = [
        [
            f"SQLite更新项目{i:02d}",
            5000.0 + i,
            "started" if i % 2 == 0 else "signed",
            "2023-05-06" if i % 2 == 0 else "None",
        ]
        for i in range(30)
    ]
    assert updated["rows"] == expected
    # One change record per project, holding what the project holds now.
    assert updated["history"] == expected and updated["types"] == ["~"]
    assert [row[:3] for row in steps["ROLLEDBACK"]["rows"]] == [
        [f"SQLite更新项目{i:02d}", 1000.0 + i, "signed"] for i in range(30)
    ]


def test_a_drop_row_needs_its_date_and_reason_and_rolls_back_on_sqlite(sqlite_env):
    shown = manage(sqlite_env, "shell", "-c", DROPS).stdout
    steps = {
        line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
        for line in shown.splitlines()
        if line.startswith(("DROPPED ", "REVIVED ", "UNDATED ", "ROLLEDBACK "))
    }
    assert steps["DROPPED"]["project"] == ["dropped", "2023-03-01", "2024-01-05", "搁置", 1]
    assert steps["REVIVED"]["project"] == ["signed", "None", "None", "", 2]
    assert steps["UNDATED"]["status"] == "previewed"
    assert steps["UNDATED"]["errors"] == [
        ["终止日期", "终止的项目需填写终止日期。"],
        ["终止原因", "请填写项目终止原因。"],
    ]
    assert steps["UNDATED"]["project"] == steps["REVIVED"]["project"]  # nothing written
    assert steps["ROLLEDBACK"]["status"] == "rolled_back"
    # Dropped again as before, its 开工 date, 终止 date and reason back: two moves recorded, to 开工
    # and to 终止.
    assert steps["ROLLEDBACK"]["project"] == ["dropped", "2023-03-01", "2024-01-05", "搁置", 4]


def test_an_events_ledger_and_its_rollback_on_sqlite(sqlite_env):
    shown = manage(sqlite_env, "shell", "-c", EVENTS).stdout
    steps = {
        line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1])
        for line in shown.splitlines()
        if line.startswith(("SIGNED ", "ROLLEDBACK "))
    }
    signed = steps["SIGNED"]
    assert signed["status"] == "imported" and signed["summary"]["new"] == 5, signed
    assert signed["projects"] == [["signed", "2023-06-09"]] * 5
    assert signed["signings"] == 5 and signed["events"] == 1
    rolled_back = steps["ROLLEDBACK"]
    assert rolled_back["status"] == "rolled_back"
    assert rolled_back["projects"] == [["negotiating", "None"]] * 5
    assert rolled_back["signings"] == 0 and rolled_back["events"] == 0
