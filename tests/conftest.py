"""Fixtures shared by the whole suite: demo reference data, users by role, Chromium, a real worker."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from demo import loader

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# PBKDF2's deliberate slowness is for production; tests create many users.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference_data(db):
    loader.load_reference()


@pytest.fixture
def demo_users(reference_data):
    loader.load_demo_users(password="demo12345")
    from accounts.models import User

    return {u.username: u for u in User.objects.all()}


# The tables as load_demo left them, the first time a module asked for the demo in this session:
# later modules get the same rows back by COPY (well under a second) instead of loading the demo
# again (10-40 s each on this machine). tests/demo and the embedded-stack tests still run load_demo.
_demo_snapshot: list[tuple[str, bytes]] = []


def _demo_tables() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def _copy_tables() -> list[tuple[str, bytes]]:
    import io

    if connection.vendor != "postgresql":
        return []
    rows = []
    with connection.cursor() as cursor:
        for table in _demo_tables():
            buffer = io.BytesIO()
            cursor.copy_expert(f'COPY "{table}" TO STDOUT (FORMAT binary)', buffer)
            rows.append((table, buffer.getvalue()))
    return rows


def _restore_tables(snapshot: list[tuple[str, bytes]]) -> None:
    import io

    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        names = ", ".join(f'"{table}"' for table, _data in snapshot)
        # What the flush after the last module left (content types, permissions) goes first.
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for table, data in snapshot:
            cursor.copy_expert(f'COPY "{table}" FROM STDIN (FORMAT binary)', io.BytesIO(data))
        for sql in connection.ops.sequence_reset_sql(
            no_style(), apps.get_models(include_auto_created=True)
        ):
            cursor.execute(sql)


def _first_demo(tmp_path_factory) -> list[tuple[str, bytes]]:
    """This worker's first demo: load_demo, or under xdist the rows another worker of this run
    loaded (kept as files in the run's shared folder: every worker's database is a copy of one
    migrated database, so their tables are the same)."""
    from django.core.management import call_command
    from filelock import FileLock

    shared = _run_shared_dir(tmp_path_factory)
    if shared is None:
        call_command("load_demo", verbosity=0)
        return _copy_tables()
    folder = shared / "demo-snapshot"
    with FileLock(f"{folder}.lock"):
        if (folder / "tables").exists():
            names = (folder / "tables").read_text().split()
            snapshot = [(name, (folder / f"{i}.copy").read_bytes()) for i, name in enumerate(names)]
            _restore_tables(snapshot)
            return snapshot
        call_command("load_demo", verbosity=0)
        snapshot = _copy_tables()
        folder.mkdir()
        for i, (_name, data) in enumerate(snapshot):
            (folder / f"{i}.copy").write_bytes(data)
        (folder / "tables").write_text("\n".join(name for name, _data in snapshot))
        return snapshot


def restore_demo(tmp_path_factory) -> None:
    """The demo's rows as load_demo leaves them, in a test (or fixture) that may write: the first
    time in this worker load_demo (or another worker's rows, `_first_demo`), later the same rows
    back by COPY, well under a second."""
    from django.test import override_settings

    from jinzhong_crm.celery import app

    # Refresh tasks run in this process while loading, so nothing is left queued for the session's
    # real worker to drain concurrently with the tests (or with a flush after them). The users'
    # password hashes are the tests' own (`_fast_password_hashing`), whichever fixture loads first.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            if _demo_snapshot:
                _restore_tables(_demo_snapshot)
            else:
                _demo_snapshot.extend(_first_demo(tmp_path_factory))
    finally:
        app.conf.task_always_eager = eager


@contextlib.contextmanager
def demo_loaded(django_db_blocker, tmp_path_factory):
    """The full demo data set while the block runs (`restore_demo`); flushed after."""
    from django.core.management import call_command
    from django.db import OperationalError

    with django_db_blocker.unblock():
        restore_demo(tmp_path_factory)
    yield
    with django_db_blocker.unblock():
        for attempt in range(3):  # a worker finishing a task may deadlock one TRUNCATE: retry
            try:
                call_command("flush", interactive=False, verbosity=0)
                break
            except OperationalError:
                if attempt == 2:
                    raise


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The full demo data set (load_demo), loaded once per test module and removed after it.

    Use it with the `db` fixture (each test's changes are rolled back, the demo rows stay); a test that
    needs `transactional_db` would flush it, so load the demo inside such a test instead.
    """
    with demo_loaded(django_db_blocker, tmp_path_factory):
        yield


# --- One migrate per run ------------------------------------------------------------------------
# Under pytest-xdist every worker would migrate its own PostgreSQL test database and build its own
# SQLite demo file (tens of seconds of CPU each on this 2-core machine). The first worker to ask
# builds them once, in the folder all workers of this run share; the others wait on its lock and
# copy: PostgreSQL clones the migrated database (CREATE DATABASE … TEMPLATE, then Django's migrate
# finds nothing to apply), SQLite copies the file. Without xdist nothing is shared between runs.
def _run_shared_dir(tmp_path_factory) -> Path | None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return None
    return tmp_path_factory.getbasetemp().parent


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`manage.py *args` in its own process with `env`; fails the test with its output if it fails."""
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


def _postgres_admin(settings_dict: dict):
    import psycopg2

    conn = psycopg2.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
    )
    conn.autocommit = True
    return conn


def migrated_template(tmp_path_factory) -> str | None:
    """The name of this run's migrated PostgreSQL database, built by the first worker that asks;
    None without xdist or on another database."""
    from django.conf import settings
    from filelock import FileLock

    shared = _run_shared_dir(tmp_path_factory)
    db = settings.DATABASES["default"]
    if shared is None or db["ENGINE"] != "django.db.backends.postgresql":
        return None
    # Named from DATABASE_URL: once a worker's test database exists, Django's settings name it.
    name = f"test_{urlsplit(os.environ['DATABASE_URL']).path.strip('/')}_migrated"
    with FileLock(shared / "postgres-template.lock"):
        if not (shared / "postgres-template.done").exists():
            conn = _postgres_admin(db)
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [name],
                )
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
            conn.close()
            s = {**db, "NAME": name}
            auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
            url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
            manage({**os.environ, "DATABASE_URL": url}, "migrate", "--noinput", "-v0")
            (shared / "postgres-template.done").touch()
    return name


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Each worker's test database starts as a copy of the run's migrated one (see above)."""
    from django.conf import settings

    template = migrated_template(tmp_path_factory)
    if template:
        settings.DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = template


# --- The embedded default ------------------------------------------------------------------------
def embedded_env(**extra: str) -> dict[str, str]:
    """The environment `make run` has: none of the test run's database, Redis or settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    for name in ("DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "SECRET_KEY", "DEMO"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **extra}


@pytest.fixture(scope="session")
def embedded_demo_file(tmp_path_factory) -> Path:
    """A SQLite file as `make run` leaves it (migrate, then load_demo), made once per run (see
    "One migrate per run"). Tests that need the embedded default with the demo copy it."""
    from filelock import FileLock

    shared = _run_shared_dir(tmp_path_factory)
    folder = shared / "embedded-demo" if shared else tmp_path_factory.mktemp("embedded-demo")
    with FileLock(f"{folder}.lock"):  # under xdist, the first worker builds it for all
        if not (folder / "done").exists():
            folder.mkdir(exist_ok=True)
            env = embedded_env(
                SQLITE_PATH=str(folder / "db.sqlite3"), MEDIA_ROOT=str(folder / "media")
            )
            for command in (["migrate", "--noinput", "-v0"], ["load_demo", "-v0"]):
                manage(env, *command)
            (folder / "done").touch()
    return folder / "db.sqlite3"


# --- Browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def login(page, live_server, username: str, password: str = "demo12345"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/**")


# --- Real Celery worker -------------------------------------------------------------------------
def celery_worker_command(name: str) -> list[str]:
    """One solo worker process, quiet unless something goes wrong, named `name@host`."""
    return [
        *(sys.executable, "-m", "celery", "-A", "jinzhong_crm", "worker", "-P", "solo"),
        *("-l", "warning", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"),
    ]


def _database_url_for_worker() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on Redis, using the test database. Session-scoped: it is
    started once, and tests that need it use transactional_db so the worker sees their rows."""
    from jinzhong_crm.celery import app

    app.control.purge()
    env = {**os.environ, "DATABASE_URL": _database_url_for_worker()}
    proc = subprocess.Popen(
        celery_worker_command(f"test-{os.getpid()}"),
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited early with code {proc.returncode}")
        if app.control.inspect(timeout=0.5).ping():
            break
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("celery worker did not answer ping within 60 s")
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wait_until_workers_idle(timeout: float = 30) -> None:
    """Wait (up to `timeout` s) until no worker on this test run's broker has anything queued,
    reserved, scheduled (a drain's countdown) or running."""
    import redis
    from django.conf import settings

    from jinzhong_crm.celery import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            inspect = app.control.inspect(timeout=0.5)
            busy = [
                task
                for found in (inspect.active(), inspect.reserved(), inspect.scheduled())
                for tasks in (found or {}).values()
                for task in tasks
            ]
            if not busy and not broker.llen(app.conf.task_default_queue):
                return
            time.sleep(0.2)
    finally:
        broker.close()


@pytest.fixture(autouse=True)
def _worker_idle_before_teardown(request):
    """After a test that used the real worker: wait until it is idle (`wait_until_workers_idle`)
    before the database is emptied. A task still writing (a rollup refresh after an import, say)
    otherwise deadlocks the end-of-test TRUNCATE."""
    yield
    if "celery_worker" in request.fixturenames:
        wait_until_workers_idle()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _health_database_timeout(settings):
    """Tests judge a health check by what it finds, not by how fast a loaded 2-core box opens a
    database connection in the check's own thread: past production's 0.5 s, /healthz/ready
    answered 503 once in the full suite (the permission matrix, CI on 5f576fb). The timeouts
    themselves are tested with a hung Redis (tests/ops/test_health.py), the same mechanism."""
    settings.HEALTHZ_DATABASE_TIMEOUT = 5
