"""Journeys run against the product as it is started for real, on both stacks:

- `embedded`: what `make run` serves — SQLite, in-process tasks, DEBUG on, `runserver`;
- `postgres`: PostgreSQL + Redis + gunicorn (2 workers) + a real Celery worker, DEBUG off.

Each stack is a set of subprocesses on a fresh database with the demo loaded (`migrate`, `load_demo`),
started once per test session. A journey only sees the site through Chromium: it starts at the login
page and moves by clicks, typing and the page's own controls. It never builds a URL by hand (beyond
the site's root) and never reads the database. Journeys change data (they log leads, sign, import),
so each uses names of its own and asserts what it added, not totals others may have moved — except
the figures of the past (2023), which no journey touches.

Both stacks ask administrators for their second factor (ADMIN_OTP_REQUIRED=1, as in production; the
demo alone turns it off), so the administrator's journey enrols and logs in with a code.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import celery_worker_command, embedded_env, migrated_template

# A page waits on the server it talks to, which shares two cores with the whole suite.
expect.set_options(timeout=15_000)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PASSWORD = "demo12345"
STACKS = ["embedded", "postgres"]


@dataclass
class Stack:
    name: str
    url: str
    procs: list[subprocess.Popen] = field(default_factory=list)
    logs: Path | None = None
    # The administrator's TOTP key once enrolled (the stacks require a second factor of admins):
    # what their phone's authenticator app holds, so a later journey can log in as admin.
    admin_otp_secret: str | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (our own loopback server)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(
        f"server did not answer {url} within {seconds:.0f} s:\n{log.read_text()[-3000:]}"
    )


def _run(cmd: list[str], env: dict, log: Path) -> None:
    with log.open("a") as out:
        rc = subprocess.call(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    if rc != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({rc}):\n{log.read_text()[-3000:]}")


def _spawn(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


_base_env = embedded_env


def _start_embedded(tmp: Path, demo_file: Path) -> Stack:
    """`make run`, minus the venv and message steps the test run has already done; its migrate
    and load_demo are the session's (tests/conftest.py embedded_demo_file), copied."""
    env = {
        **_base_env(),
        "SQLITE_PATH": str(tmp / "db.sqlite3"),
        "MEDIA_ROOT": str(tmp / "media"),
        "ADMIN_OTP_REQUIRED": "1",
    }
    log = tmp / "embedded.log"
    shutil.copyfile(demo_file, tmp / "db.sqlite3")
    port = _free_port()
    proc = _spawn(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env, log
    )
    url = f"http://127.0.0.1:{port}"
    _wait_http(f"{url}/accounts/login/", proc, log)
    return Stack("embedded", url, [proc], log)


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def _start_postgres(tmp: Path, tmp_path_factory) -> Stack:
    """Production's shape on one machine: gunicorn + a Celery worker on PostgreSQL and Redis."""
    database = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jinzhong_crm")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # Under pytest-xdist the journeys run in one worker (tests/conftest.py), named here anyway.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = urlsplit(database).path.strip("/") + "_journeys" + (f"_{worker}" if worker else "")
    redis_db = (int(urlsplit(redis).path.strip("/") or 0) + 8) % 16
    env = {
        **_base_env(),
        "DATABASE_URL": _with_path(database, f"/{name}"),
        "REDIS_URL": _with_path(redis, f"/{redis_db}"),
        "SECRET_KEY": "journey-only-secret-key-never-used-in-production-0123456789",
        "DEBUG": "0",
        "HTTPS": "0",
        "DEMO": "1",
        "DEMO_PASSWORD": PASSWORD,
        "MEDIA_ROOT": str(tmp / "media"),
        "ADMIN_OTP_REQUIRED": "1",
    }
    log = tmp / "postgres.log"
    admin = _with_path(database, "/postgres")
    # Under xdist, a copy of the run's migrated database (tests/conftest.py), so the migrate
    # below finds nothing to apply; without it, an empty one.
    template = migrated_template(tmp_path_factory) or ""
    _run([sys.executable, "-c", _RECREATE_DB, admin, name, template], env, log)
    subprocess.call(
        ["redis-cli", "-u", env["REDIS_URL"], "flushdb"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env, log)
    if not (BASE_DIR / "staticfiles" / "staticfiles.json").exists():  # `make test` has run it
        _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env, log)
    _run([sys.executable, "manage.py", "load_demo"], env, log)
    port = _free_port()
    gunicorn = ["gunicorn", "jinzhong_crm.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "-t", "60"]
    web = _spawn([sys.executable, "-m", *gunicorn], env, log)
    worker = _spawn(celery_worker_command(f"journeys-{os.getpid()}"), env, log)
    url = f"http://127.0.0.1:{port}"
    _wait_http(f"{url}/accounts/login/", web, log)
    return Stack("postgres", url, [web, worker], log)


# Drop and create the journeys' own database (connections from an earlier killed run are ended).
_RECREATE_DB = """
import sys, psycopg2
conn = psycopg2.connect(sys.argv[1]); conn.autocommit = True; cur = conn.cursor()
cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [sys.argv[2]])
cur.execute('DROP DATABASE IF EXISTS "%s"' % sys.argv[2])
cur.execute('CREATE DATABASE "%s"' % sys.argv[2] + (' TEMPLATE "%s"' % sys.argv[3] if sys.argv[3] else ""))
"""


def _stop(stack: Stack) -> None:
    for proc in stack.procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in stack.procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session", params=STACKS)
def stack(request) -> Iterator[Stack]:
    # While writing a journey: JOURNEY_EMBEDDED_URL=http://127.0.0.1:8000 reuses a running `make run`.
    running_url = os.environ.get(f"JOURNEY_{request.param.upper()}_URL")
    if running_url:
        yield Stack(request.param, running_url.rstrip("/"))
        return
    tmp = Path(tempfile.mkdtemp(prefix=f"journey-{request.param}-"))
    try:
        if request.param == "embedded":
            running = _start_embedded(tmp, request.getfixturevalue("embedded_demo_file"))
        else:
            running = _start_postgres(tmp, request.getfixturevalue("tmp_path_factory"))
    except RuntimeError as exc:
        pytest.fail(f"the {request.param} stack did not start: {exc}", pytrace=False)
    yield running
    _stop(running)
    shutil.rmtree(tmp, ignore_errors=True)


# --- The browser, watched -----------------------------------------------------------------------
class ConsoleWatch:
    """Every console error and uncaught exception of a page; a journey fails on any."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console.{msg.type}: {msg.text} ({page.url})")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc} ({page.url})"))


@pytest.fixture
def console(page) -> Iterator[ConsoleWatch]:
    watch = ConsoleWatch()
    watch.attach(page)
    yield watch
    assert not watch.errors, "console errors:\n" + "\n".join(watch.errors)


@pytest.fixture
def user(page, stack, console):
    """A person at the browser: logs in through the login page and counts interactions."""
    return Person(page, stack)


class Person:
    """Drives the page as a person does, and counts interactions: clicks and field changes
    (choosing an option, ticking a box); typing text into a field does not count."""

    def __init__(self, page, stack: Stack) -> None:
        self.page = page
        self.stack = stack
        self.interactions = 0
        page.set_default_timeout(20_000)

    def open_site(self) -> None:
        self.page.goto(self.stack.url + "/")

    def login(self, username: str, password: str = PASSWORD, *, second_factor: bool = True) -> None:
        """Log in; an administrator then gives the second factor as they would: enrol on the first
        login (the key from the page into the app, pyotp here), a code from the app after that.
        `second_factor=False` stops at the password (the second-factor journey does the rest)."""
        self.open_site()
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()
        if second_factor:
            self._second_factor()
        self.interactions = 0

    def _second_factor(self) -> None:
        import pyotp

        page = self.page
        if page.get_by_test_id("otp-secret").count():  # first login: enrol
            secret = page.get_by_test_id("otp-secret").inner_text().strip()
            page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="确认").click()
            page.get_by_role("link", name="继续").click()
            page.wait_for_load_state()
            self.stack.admin_otp_secret = secret
            return
        asking = page.get_by_role("heading", name="输入验证码")
        if not asking.count() or not self.stack.admin_otp_secret:
            return
        totp = pyotp.TOTP(self.stack.admin_otp_secret)
        for _ in range(3):  # a code is taken once: if this step's was used, a later step's
            page.get_by_label("验证码").fill(totp.now())
            page.get_by_role("button", name="验证").click()
            page.wait_for_load_state()
            if not asking.count():
                return
            time.sleep(31 - time.time() % 30)

    def click(self, locator) -> None:
        locator.click()
        self.interactions += 1

    def choose(self, locator, **option) -> None:
        locator.select_option(**option)
        self.interactions += 1

    def type(self, locator, text: str) -> None:
        locator.fill(text)

    def menu(self, name: str) -> None:
        """Open a top-level menu item, through the collapsed menu on a phone."""
        nav = self.page.locator("#navbar-menu")
        toggler = self.page.locator(".navbar-toggler")
        if toggler.is_visible() and not nav.is_visible():
            self.click(toggler)
            # Until Bootstrap's collapse has finished opening, a link in it can read as hidden
            # (and be taken for one under 更多).
            expect(nav).to_have_class(re.compile(r"\bshow\b"))
        link = nav.get_by_role("link", name=re.compile(name)).first
        if not link.is_visible():  # a rarer page, under 更多
            self.click(nav.get_by_role("button", name="更多"))
            expect(link).to_be_visible()
        self.follow(link)

    def follow(self, locator) -> None:
        """Click a link and wait until the next page has loaded (scripts run), as a person
        waits before using it."""
        # Playwright's own navigation event, not a polled predicate: a predicate is evaluated
        # in the page, and the next page's CSP (no 'unsafe-eval') can refuse it mid-navigation.
        with self.page.expect_navigation():
            self.click(locator)
        self.page.wait_for_load_state()
