"""Ledger imports on the embedded default (SQLite, what `make run` starts): the whole path, in a
subprocess on a fresh SQLite file, since the rest of the suite runs on PostgreSQL.

One set-up (the session's migrate + load_demo, copied) serves every check: the exported project list
and the downloadable template import through `manage.py import_ledger`, and a 20-row ledger with
one bad row goes through the upload page (Django's test client inside the subprocess)."""

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import embedded_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory, embedded_demo_file) -> dict:
    """A SQLite file with the demo loaded (the session's migrate + load_demo, copied), and the
    environment `make run` would use."""
    folder = tmp_path_factory.mktemp("sqlite-import")
    shutil.copyfile(embedded_demo_file, folder / "db.sqlite3")
    return embedded_env(SQLITE_PATH=str(folder / "db.sqlite3"), LEDGER_DIR=str(folder))


def test_exported_list_and_template_import_on_sqlite(sqlite_env):
    _manage(sqlite_env, "shell", "-c", DOWNLOAD)
    folder = sqlite_env["LEDGER_DIR"]

    exported = _manage(sqlite_env, "import_ledger", f"{folder}/exported.xlsx")
    summary = re.search(
        r"Imported batch #\d+: new (\d+), update (\d+), unchanged (\d+), error (\d+)",
        exported.stdout,
    )
    assert summary, exported.stdout
    new, update, unchanged, error = map(int, summary.groups())
    assert (new, update, error) == (0, 0, 0)
    assert unchanged > 300  # every demo project, found and unchanged

    template = _manage(sqlite_env, "import_ledger", f"{folder}/template.xlsx")
    assert "Imported batch" in template.stdout
    assert "new 1, update 0, unchanged 0, error 0" in template.stdout


def test_ledger_with_one_bad_row_imports_the_others_on_sqlite(sqlite_env):
    shown = _manage(sqlite_env, "shell", "-c", PARTIAL).stdout
    lines = dict(line.split(" ", 1) for line in shown.splitlines() if " " in line)
    assert lines["ERRORS"] == repr(
        ["6", "计划总投资(万元)", "“三千万左右”含有不允许的字符:请使用半角数字,如 3500 或 3.5亿。"]
    )
    assert lines["OFFERED"] == "True"
    assert lines["AFTER"] == "True"
    expected = sorted(f"SQLite台账项目{i:02d}" for i in range(20) if i != 4)
    assert lines["LISTED"] == repr(expected)
