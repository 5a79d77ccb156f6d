"""The refresh on the embedded default (SQLite, what `make run` starts), against the same
independent oracle as the PostgreSQL property test: Python sums over the source rows.

rollups.refresh has one PostgreSQL statement pair for a drain (per-cell index-only scans, needed for
the 15 ms budget at 10^6) and a plain path on SQLite that recomputes the touched region-months
whole. This runs a fixed pseudo-random sequence of every kind of edit the property test knows
(creates, stage moves forward and back, drops, region and chain and park moves, origin flags,
re-dating, amounts, funds, deletes and restores) through the services on a copy of the demo's
SQLite file, in a subprocess (the rest of the suite runs on PostgreSQL), and checks every rollup
table against the Python sums and the live aggregate after each batch."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import embedded_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SCRIPT = textwrap.dedent(
    """
    import datetime as dt, random
    from django.core.exceptions import ValidationError
    from django.db import connection, transaction
    from projects.models import Project
    from rollups.models import Outbox
    from tests.rollups.conftest import (
        World, assert_rollups_equal_live, assert_rollups_equal_python_sums,
    )
    from tests.rollups.test_property import DATES, _apply

    assert connection.vendor == "sqlite", connection.vendor
    rng = random.Random(20231)
    world = World()
    kinds = ["create", "sign", "start", "back", "drop", "move", "redate", "amount", "chain",
             "park", "flags", "funds", "delete", "restore"]

    def step():
        kind = rng.choice(kinds)
        i = rng.randrange(0, 6)
        day = rng.choice(DATES)
        if kind == "create":
            return (kind, rng.randrange(3), day, rng.randrange(1, 10))
        if kind in ("sign", "start", "back", "drop"):
            return (kind, i, day)
        if kind == "move":
            return (kind, i, rng.randrange(3))
        if kind == "redate":
            return (kind, i, day, rng.choice(DATES))
        if kind == "amount":
            return (kind, i, rng.randrange(1, 10))
        if kind == "chain":
            return (kind, i, rng.randrange(2))
        if kind == "park":
            return (kind, i, rng.random() < 0.5)
        if kind == "flags":
            return (kind, i, rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.5)
        if kind == "funds":
            return (kind, i, day, rng.randrange(1, 10))
        return (kind, i)

    applied = refused = 0
    for batch in range(6):
        for _ in range(12):
            try:
                with transaction.atomic():
                    _apply(world, step())
                applied += 1
            except (ValidationError, Project.DoesNotExist):
                refused += 1
        # In-process tasks: each commit drained its own outbox rows.
        assert not Outbox.objects.exists(), Outbox.objects.count()
        assert_rollups_equal_python_sums()
        assert_rollups_equal_live()
    print("SQLITE-REFRESH-OK", applied, refused)
    """
)


def test_sqlite_refresh_equals_python_sums_after_every_kind_of_edit(tmp_path, embedded_demo_file):
    shutil.copyfile(embedded_demo_file, tmp_path / "db.sqlite3")
    env = embedded_env(SQLITE_PATH=str(tmp_path / "db.sqlite3"), MEDIA_ROOT=str(tmp_path))
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ok = [line for line in done.stdout.splitlines() if line.startswith("SQLITE-REFRESH-OK")]
    assert ok, done.stdout + done.stderr
    _tag, applied, refused = ok[0].split()
    assert int(applied) >= 40  # most of the 72 steps were real edits, not refusals
