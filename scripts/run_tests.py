"""`make test`: the whole suite with pytest-xdist, one worker per core. pytest-django gives each
worker its own PostgreSQL database (test_<name>_gw0, _gw1) and tests/xdist_worker.py its own Redis
db. Each test module runs whole in one worker and the journeys all in one (tests/xdist_setup.py),
so module and session fixtures are built once; xdist hands the next module to whichever worker is
free.
With arguments, one plain pytest run with those arguments.

    python scripts/run_tests.py            # the whole suite, TEST_WORKERS (default 2) workers
    python scripts/run_tests.py -q tests/x # one run with these pytest arguments
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest"]
    if argv:
        return subprocess.call([*pytest, *argv], cwd=ROOT)
    workers = os.environ.get("TEST_WORKERS", "2")
    return subprocess.call([*pytest, "-n", workers, "--durations=25", "tests"], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
