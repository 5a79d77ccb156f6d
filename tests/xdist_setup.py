"""`make test` under pytest-xdist: what each worker talks to, and what must run in one worker.

Loaded with `-p tests.xdist_setup` (pyproject.toml), before pytest-django reads the settings.
- **Redis:** worker gwN uses REDIS_URL's db + N (gw0 keeps REDIS_URL as it is), as pytest-django
  gives each worker its own database. Celery queues, the cache and the throttle of two workers
  would otherwise be one, and one worker's flush or purge would empty the other's.
- **Scheduling:** each test module runs whole in one worker, so its module-scoped fixtures (the
  demo restored by COPY, a started server) are built once, and the journeys all run in one worker,
  so their two stacks (each a migrate + load_demo) start once. xdist's own `--dist loadgroup`
  cannot say this under pytest 9.2 (it renames `item._nodeid`, which pytest no longer reads).
Without xdist only the check that every test has an id of its own applies.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest


def _worker_redis_url(url: str, worker: str) -> str:
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{db}"))


_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _worker_redis_url(os.environ["REDIS_URL"], _worker)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: `-p no:xdist` has no such hook
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        """A unit of work is a test module, or all of tests/journeys/. xdist starts with the
        units that hold the most tests and then hands the next unit to whichever worker is free."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "tests/journeys" if module.startswith("tests/journeys/") else module

    return ModuleScheduling(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """xdist schedules by test id: items that share one would silently run once for all of them
    (schemathesis's did, under pytest 9; tests/api/conftest.py names them). Refuse the run instead."""
    seen: set[str] = set()
    doubled = sorted(
        {item.nodeid for item in items if item.nodeid in seen or seen.add(item.nodeid)}
    )
    if doubled:
        raise pytest.UsageError(
            f"{len(doubled)} test ids are shared by several tests, e.g. {doubled[0]}: give each its own"
        )
