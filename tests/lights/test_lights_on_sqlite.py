"""The lights' set-based SQL on the embedded default (SQLite, what `make run` starts) gives the same
lights, history rows and 督办 items as on PostgreSQL: the same course of rule changes
(lights_scenario.run) on the demo data, once in a subprocess on a copy of the session's SQLite file,
once here on PostgreSQL, compared whole."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import embedded_env
from tests.lights import lights_scenario

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN = "import json; from tests.lights import lights_scenario; print(json.dumps(lights_scenario.run()))"


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory, embedded_demo_file) -> dict:
    folder = tmp_path_factory.mktemp("sqlite-lights")
    shutil.copyfile(embedded_demo_file, folder / "db.sqlite3")
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "-c", RUN],
        cwd=BASE_DIR,
        env=embedded_env(SQLITE_PATH=str(folder / "db.sqlite3")),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_rule_changes_give_the_same_lights_history_and_items_on_sqlite_and_postgresql(
    demo_data, on_sqlite
):
    on_postgres = json.loads(json.dumps(lights_scenario.run()))
    assert on_sqlite["lights"] == on_postgres["lights"]
    assert on_sqlite["history"] == on_postgres["history"]
    assert on_sqlite["items"] == on_postgres["items"]
    assert on_sqlite["item_records"] == on_postgres["item_records"] == len(on_postgres["items"])
    # The course did change lights, of every kind, and opened items.
    kinds = {(row[3], row[4]) for row in on_postgres["lights"]}
    assert {("red", "over_limit"), ("red", "promise_missed"), ("yellow", "near_limit")} <= kinds
    assert on_postgres["items"] and on_postgres["history"]
    antai = [row for row in on_postgres["lights"] if "安泰" in row[0] and row[2] == "signed"]
    assert antai and all(row[3] == "red" for row in antai)
