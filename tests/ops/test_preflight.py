"""A bad or missing setting stops every entry point with ONE line naming the variable and what to do,
and a non-zero exit: manage.py, gunicorn (the WSGI app), celery worker and celery beat. The real
commands run as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

COMMANDS = {
    "manage.py": [sys.executable, "manage.py", "showmigrations"],
    "gunicorn": [str(BIN / "gunicorn"), "jinzhong_crm.wsgi", "-b", "127.0.0.1:0"],
    "celery worker": [str(BIN / "celery"), "-A", "jinzhong_crm", "worker", "-P", "solo"],
    "celery beat": [str(BIN / "celery"), "-A", "jinzhong_crm", "beat", "-s", "/dev/null"],
}

BAD = {
    "missing SECRET_KEY": ({"SECRET_KEY": ""}, "SECRET_KEY"),
    "weak SECRET_KEY": ({"SECRET_KEY": "changeme"}, "SECRET_KEY"),
    "malformed REDIS_URL": ({"REDIS_URL": "redis//127.0.0.1:6379/0"}, "REDIS_URL"),
    "malformed DATABASE_URL": ({"DATABASE_URL": "postgres//127.0.0.1/x"}, "DATABASE_URL"),
    "missing database": (
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/jz_no_such_database"},
        "DATABASE_URL",
    ),
}


def _lines_of_our_own(stderr: str) -> list[str]:
    """What we printed: gunicorn's own timestamped log lines are not ours."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("[")]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", BAD)
def test_a_bad_setting_stops_the_entry_point_with_one_line(command, case):
    overrides, variable = BAD[case]
    env = {**os.environ, "DEBUG": "0", **overrides}
    done = subprocess.run(  # noqa: S603  (our own commands, fixed arguments)
        COMMANDS[command], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    ours = _lines_of_our_own(done.stderr)
    assert done.returncode != 0, done.stderr
    assert len(ours) == 1, done.stderr
    assert variable in ours[0] and "Traceback" not in done.stderr


def test_a_good_configuration_passes_the_preflight():
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
