"""`make test`: the whole suite as two pytest runs side by side, each on its own PostgreSQL database
and Redis db, so both cores work (one pytest process keeps about one core busy: the rest of its
time it waits on PostgreSQL, Redis, the Celery worker and the browser). The halves share nothing
but the machine, exactly like two developers' test runs. With arguments, one plain pytest run.

    python scripts/run_tests.py            # both halves, in parallel
    python scripts/run_tests.py -q tests/x # one run with these pytest arguments
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Roughly equal halves by running time. On 2 shared cores (2026-12-06): security + api took 11.6 min
# and the rest 22.1 min, so the live_server browser tests (~3 min) and the ops tests (own Redis
# servers, subprocesses: ~3 min) moved to the first half. The journeys stay in the second.
# Then the board, search, saved views, scores and evidence tests came, and the demo data became
# one load per session (copied back by COPY) and one SQLite file per session: with the rollups and
# verification tests in the first half, the halves took 17.3 and 15.2 min (2026-12-06, calm).
FIRST = [
    "tests/security",
    "tests/api",
    "tests/e2e",
    "tests/ops",
    "tests/rollups",
    "tests/verification",
]


def _second() -> list[str]:
    return sorted(
        f"tests/{p.name}"
        for p in (ROOT / "tests").iterdir()
        if p.is_dir()
        and p.name not in {Path(f).name for f in FIRST}
        and (p / "__init__.py").exists()
    )


def _with_suffix(url: str, *, db_suffix: str = "", redis_db: int | None = None) -> str:
    parts = urlsplit(url)
    path = parts.path
    if db_suffix:
        path = path + db_suffix
    if redis_db is not None:
        path = f"/{redis_db}"
    return urlunsplit(parts._replace(path=path))


def main(argv: list[str]) -> int:
    pytest = [sys.executable, "-m", "pytest"]
    if argv:
        return subprocess.call([*pytest, *argv], cwd=ROOT)
    database = os.environ["DATABASE_URL"]
    redis = os.environ["REDIS_URL"]
    redis_db = int(urlsplit(redis).path.strip("/") or 0)
    halves = [
        ("1", FIRST, os.environ),
        (
            "2",
            _second(),
            {
                **os.environ,
                "DATABASE_URL": _with_suffix(database, db_suffix="_half2"),
                "REDIS_URL": _with_suffix(redis, redis_db=redis_db + 1),
            },
        ),
    ]
    logs = ROOT / ".test-logs"
    logs.mkdir(exist_ok=True)
    started = time.monotonic()
    running = []
    for name, paths, env in halves:
        log = (logs / f"half{name}.log").open("w")
        print(f"half {name}: {' '.join(paths)}  (output: .test-logs/half{name}.log)", flush=True)
        running.append(
            (
                name,
                log,
                subprocess.Popen(
                    [*pytest, "--durations=25", *paths],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
            )
        )
    codes = {}
    for name, log, proc in running:
        codes[name] = proc.wait()
        log.close()
    for name, _log, _proc in running:
        print(f"\n===== half {name} =====", flush=True)
        sys.stdout.write((logs / f"half{name}.log").read_text(errors="replace"))
    print(
        f"\nboth halves done in {time.monotonic() - started:.0f} s: "
        + ", ".join(f"half {n} exit {c}" for n, c in codes.items()),
        flush=True,
    )
    return 0 if all(c == 0 for c in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
