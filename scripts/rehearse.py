"""The scale-out rehearsal (`make rehearse`, docs/OPERATIONS.md "Scale-out rehearsal"): a city's
topology on one machine, a bounded load through it, and three faults while it runs.

Started here, each in a temporary directory of its own, and stopped at the end:
- a PostgreSQL streaming replica (pg_basebackup -R from the running primary at DATABASE_URL's host,
  run as the postgres OS user on a free port) — the rehearsal's database lives on the primary
  (`<name>_rehearse`, made and dropped here) and reaches the replica by streaming;
- a redis-server of its own on a free port (never the shared one);
- two gunicorn instances on two ports behind nginx (a plain process with its own config);
- two Celery workers with different names, and one beat.

The load (loopback only, a Python thread pool): writers create projects through the API with an
Idempotency-Key, retrying a failed call with the same key; readers list projects and read the
rollups (both served from the replica). During it: one web instance is killed (SIGKILL), one worker
is killed (SIGKILL), Redis is restarted. Then the killed instance and a new worker start, the outbox
drains, and the rehearsal checks: writes acknowledged vs found (0 lost, 0 duplicates), rollup drift
(`verify_rollups`: 0), errors other than 429 beyond the requests in flight at a kill (0), throughput
with two web instances vs one, and the replica lag that /healthz reports. Exit 1 when a check fails
(the throughput ratio is reported, not enforced: two cores are shared by the load, nginx, both
databases and the workers).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
PASSWORD = "rehearse-Pass-2026"  # noqa: S105 (two users of a throwaway database)
FAULT_SECONDS = 24  # the load with faults
THROUGHPUT_SECONDS = 6  # each of the two throughput measurements
KILL_WEB_AT, KILL_WORKER_AT, RESTART_REDIS_AT = 5.0, 9.0, 13.0
WRITERS, READERS, THROUGHPUT_THREADS = 3, 4, 6

T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:5.1f} s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_path(url: str, path: str, netloc: str | None = None) -> str:
    parts = urlsplit(url)._replace(path=path)
    if netloc is not None:
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


class Fail(Exception):
    """A step that cannot go on: one line, then the stop."""


# --- Processes ---------------------------------------------------------------------------------
@dataclass
class Procs:
    tmp: Path
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def spawn(self, name: str, cmd: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("a")
        proc = subprocess.Popen(
            cmd,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a kill reaches its children (gunicorn's)
        )
        self.running[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.running.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        """A throwaway stack: no graceful shutdown to wait for."""
        for name in list(self.running):
            with contextlib.suppress(ProcessLookupError):
                self.kill(name, signal.SIGKILL)

    def log_tail(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def run(cmd: list[str], env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=BASE_DIR, env=env, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise Fail(f"{' '.join(cmd[:4])} … failed ({done.returncode}): {done.stderr[-1500:]}")
    return done


def wait_for(what: str, ready, seconds: float = 30, every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = ready()
        if found:
            return found
        time.sleep(every)
    raise Fail(f"{what}: not ready within {seconds:.0f} s")


def http_status(port: int, path: str, timeout: float = 2) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def refuses(port: int) -> bool:
    """True once nothing listens on the port: the last process holding its socket has exited."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def redis_answers(port: int) -> bool:
    done = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
    return done.stdout.strip() == "PONG"


def caught_up(url: str, sql: str) -> str | None:
    done = subprocess.run(["psql", url, "-XAtqc", sql], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


# --- PostgreSQL: the rehearsal's database on the primary, a streaming replica -------------------
def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def psql(url: str, sql: str) -> str:
    done = run(["psql", url, "-XAtqc", sql])
    return done.stdout.strip()


def ensure_replication_allowed(admin_url: str) -> None:
    """pg_hba must let 127.0.0.1 open a replication connection. A missing line is added and the
    configuration reloaded (pg_reload_conf: no restart; other sessions are untouched)."""
    rules = psql(
        admin_url,
        "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
        "AND (type = 'local' OR address IN ('127.0.0.1', 'all', '0.0.0.0'))",
    )
    if rules != "0":
        return
    hba = Path(psql(admin_url, "SHOW hba_file"))
    line = "host replication all 127.0.0.1/32 trust"
    if not os.access(hba, os.W_OK):
        raise Fail(f"pg_hba: add '{line}' to {hba} and run SELECT pg_reload_conf()")
    with hba.open("a") as out:
        out.write(
            f"\n# the scale-out rehearsal (make rehearse): a local streaming replica\n{line}\n"
        )
    psql(admin_url, "SELECT pg_reload_conf()")
    say(f"pg_hba: added '{line}' to {hba}, configuration reloaded")


def base_backup(tmp: Path, admin_url: str) -> tuple[Path, Path]:
    """A copy of the primary's whole cluster that will follow it (-R: standby.signal and
    primary_conninfo). A throwaway copy: not synced to disk, no manifest."""
    primary = urlsplit(admin_url)
    major = psql(admin_url, "SELECT current_setting('server_version_num')::int / 10000")
    bindir = Path(f"/usr/lib/postgresql/{major}/bin")
    data = tmp / "replica"
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    started = time.monotonic()
    run(
        as_postgres(
            [
                str(bindir / "pg_basebackup"),
                *("-h", primary.hostname or "127.0.0.1", "-p", str(primary.port or 5432)),
                *("-U", primary.username or "postgres", "-D", str(data)),
                *("-R", "-X", "stream", "-c", "fast", "--no-sync", "--no-manifest"),
            ]
        )
    )
    say(f"base backup of the primary copied in {time.monotonic() - started:.1f} s")
    return data, bindir


def start_replica(tmp: Path, admin_url: str, data: Path, bindir: Path, port: int) -> None:
    sock = tmp / "replica-socket"
    sock.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(sock, "postgres", "postgres")
    # Debian keeps the configuration outside the data directory: the replica gets its own. The
    # settings a standby must hold at least as high as its primary's are copied from it.
    copied = psql(
        admin_url,
        "SELECT string_agg(name || ' = ' || setting, E'\\n') FROM pg_settings WHERE name IN "
        "('max_connections', 'max_worker_processes', 'max_wal_senders', "
        "'max_prepared_transactions', 'max_locks_per_transaction')",
    )
    (data / "postgresql.conf").write_text(
        f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sock}'\n"
        f"hot_standby = on\nfsync = off\n{copied}\n"
    )
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (data / "pg_ident.conf").write_text("")
    for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
        if os.geteuid() == 0:
            shutil.chown(data / name, "postgres", "postgres")
    run(
        as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "replica.log"), "-w"]
            + ["-t", "30", "start"]
        )
    )


def stop_replica(data: Path, bindir: Path) -> None:
    subprocess.run(
        as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
        capture_output=True,
    )


# --- The load ----------------------------------------------------------------------------------
@dataclass
class Call:
    kind: str
    start: float
    end: float
    status: int | None  # None: no HTTP answer (connection refused, reset, timed out)


@dataclass
class Load:
    port: int
    tokens: dict[str, str]
    investor: int
    tag: str
    calls: list[Call] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # project name -> id
    gave_up: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _call(
        self, conn_box: list, kind: str, method: str, path: str, token: str, body=None, headers=None
    ) -> tuple[int | None, bytes]:
        start = time.monotonic()
        status, data = None, b""
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            conn = conn_box[0]
            payload = json.dumps(body).encode() if body is not None else None
            conn.request(
                method,
                path,
                body=payload,
                headers={
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                    **(headers or {}),
                },
            )
            response = conn.getresponse()
            status, data = response.status, response.read()
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
        with self.lock:
            self.calls.append(Call(kind, start, time.monotonic(), status))
        return status, data

    def writer(self, number: int, until: float) -> None:
        conn_box: list = [None]
        serial = 0
        while time.monotonic() < until:
            serial += 1
            name = f"演练{self.tag}-{number}-{serial}"
            body = {
                "name": name,
                "investor": self.investor,
                "region": "140702",
                "planned_investment": f"{100 + serial}",
                "registered_on": "2024-03-01",
                "stage": "signed",
                "signed_on": "2024-03-05",
            }
            key = str(uuid.uuid4())
            # The same key on every try: a retry after a lost answer never creates it twice.
            for _attempt in range(40):
                status, data = self._call(
                    conn_box,
                    "write",
                    "POST",
                    "/api/v1/projects/",
                    self.tokens["write"],
                    body,
                    {"Idempotency-Key": key},
                )
                if status == 201:
                    with self.lock:
                        self.acknowledged[name] = json.loads(data)["id"]
                    break
                if status is not None and status < 500 and status != 429:
                    raise Fail(f"a write was refused ({status}): {data[:300]!r}")
                time.sleep(0.2)
            else:
                self.gave_up.append(name)

    def reader(self, number: int, until: float, kind_prefix: str = "read") -> None:
        conn_box: list = [None]
        paths = ["/api/v1/projects/?page_size=20", "/api/v1/rollups/?year=2024&group_by=region"]
        turn = number
        while time.monotonic() < until:
            turn += 1
            self._call(conn_box, kind_prefix, "GET", paths[turn % 2], self.tokens["read"])


def get_token(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"username": username, "password": PASSWORD})
    conn.request("POST", "/api/v1/auth/token/", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status not in (200, 201):
        raise Fail(f"token for {username}: {response.status} {data[:200]!r}")
    return json.loads(data)["token"]


def throughput(load: Load, seconds: float) -> float:
    """Read requests answered (200) per second through the load balancer."""
    load.calls.clear()
    warm = time.monotonic() + 1.0
    until = warm + seconds
    with concurrent.futures.ThreadPoolExecutor(THROUGHPUT_THREADS) as pool:
        for number in range(THROUGHPUT_THREADS):
            pool.submit(load.reader, number, until, "bench")
    done = [c for c in load.calls if c.start >= warm and c.end <= until and c.status == 200]
    return len(done) / seconds


# --- The rehearsal -----------------------------------------------------------------------------
# migrate, load_demo --reference-only, two users and an investor: one process (each start of
# Django costs seconds on a busy machine).
SEED = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo", reference_only=True, verbosity=0)
from accounts.models import Role, User
from core.models import Region
from enterprises import services
User.objects.create_user(username="rehearse_writer", password={pw!r}, role=Role.COUNTY_STAFF,
                         region=Region.objects.get(code="140702"), first_name="演练录入")
User.objects.create_user(username="rehearse_reader", password={pw!r}, role=Role.CITY_STAFF,
                         first_name="演练查询")
print(services.enterprise_create(name="演练投资有限公司").pk)
"""


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        print("make rehearse needs DATABASE_URL=postgres://… (the primary it replicates).")
        return 2
    for program, package in (("nginx", "nginx-light"), ("redis-server", "redis-server")):
        if shutil.which(program) is None:
            print(f"make rehearse needs {program}: apt-get install -y {package}")
            return 2
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        print("make rehearse starts a PostgreSQL replica as the postgres user: run it as root.")
        return 2
    db_name = urlsplit(database_url).path.strip("/") + "_rehearse"
    admin_url = with_path(database_url, "/postgres")
    primary_url = with_path(database_url, f"/{db_name}")
    tmp = Path(tempfile.mkdtemp(prefix="rehearse-"))
    procs = Procs(tmp)
    replica = None
    results: dict[str, object] = {}
    try:
        ensure_replication_allowed(admin_url)
        # The base backup copies the primary while the rehearsal's database is made on it: the
        # migration reaches the replica through the WAL it streams.
        with concurrent.futures.ThreadPoolExecutor(1) as background:
            backup = background.submit(base_backup, tmp, admin_url)

            redis_port = free_port()
            redis_cmd = [
                *("redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(tmp)),
            ]
            procs.spawn("redis", redis_cmd)
            wait_for("redis", lambda: redis_answers(redis_port))

            setup_env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
                "DATABASE_URL": primary_url,
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "SECRET_KEY": "rehearse-only-secret-key-never-used-in-production-0123456789",
                "DEBUG": "0",
                "HTTPS": "0",
                "DEMO": "0",
                "MEDIA_ROOT": str(tmp / "media"),
                # Every token may go as fast as the load can: the rehearsal measures the site, not
                # the throttle (tests/ops/test_throttle.py does).
                "API_THROTTLE_USER": "1000000/min",
                # The sweep (and beat's heartbeat) every 5 s, and a killed worker's task handed on
                # after 10 s (production: 60 s and two hours), so recovery fits in the rehearsal.
                "SWEEP_PERIOD_SECONDS": "5",
                "CELERY_VISIBILITY_TIMEOUT": "10",
                "PYTHONUNBUFFERED": "1",
            }
            psql(
                admin_url,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
                f"WHERE datname = '{db_name}'",  # (our own database's name, from DATABASE_URL)
            )
            psql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}"')
            psql(admin_url, f'CREATE DATABASE "{db_name}"')
            # The web instances and workers boot (seconds of imports each) while the database is
            # migrated: they touch it only when asked. Beat starts after (it reads its tables).
            replica_port = free_port()
            replica_url = with_path(
                primary_url, f"/{db_name}", netloc=f"postgres@127.0.0.1:{replica_port}"
            )
            env = {**setup_env, "REPLICA_URL": replica_url}
            web_ports = [free_port(), free_port()]
            gunicorn = [PY, "-m", "gunicorn", "jinzhong_crm.wsgi", "-w", "1", "-t", "30"]
            gunicorn += ["--no-control-socket"]  # two instances, one user: no shared ~/.gunicorn
            for number, port in enumerate(web_ports, 1):
                procs.spawn(f"web{number}", [*gunicorn, "-b", f"127.0.0.1:{port}"], env)
            lb_port = free_port()
            (tmp / "nginx.conf").write_text(
                NGINX.format(tmp=tmp, lb=lb_port, web1=web_ports[0], web2=web_ports[1])
            )
            procs.spawn(
                "nginx",
                [
                    "nginx",
                    "-p",
                    str(tmp),
                    "-e",
                    str(tmp / "nginx-error.log"),
                    "-c",
                    str(tmp / "nginx.conf"),
                ],
            )
            celery = [PY, "-m", "celery", "-A", "jinzhong_crm"]
            worker = [
                *celery,
                "worker",
                "-P",
                "solo",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
            ]
            procs.spawn("worker1", [*worker, "-n", "rehearse-w1@%h"], env)
            procs.spawn("worker2", [*worker, "-n", "rehearse-w2@%h"], env)
            seeded = run([PY, "manage.py", "shell", "-c", SEED.format(pw=PASSWORD)], setup_env)
            investor = int(seeded.stdout.split()[-1])
            say(f"database {db_name} migrated on the primary, reference data loaded")
            replica_data, bindir = backup.result()
        replica = (replica_data, bindir)
        start_replica(tmp, admin_url, replica_data, bindir, replica_port)
        wait_for(
            "the replica to replay the migration",
            lambda: caught_up(replica_url, "SELECT count(*) FROM accounts_user") == "2",
        )
        say(f"replica streaming from the primary on port {replica_port} (pg_basebackup -R)")

        procs.spawn(
            "beat", [*celery, "beat", "-l", "warning", "-s", str(tmp / "beat-schedule")], env
        )
        for port in (*web_ports, lb_port):
            wait_for(
                f"web on {port}", lambda p=port: http_status(p, "/healthz/ready") == 200, 60, 0.2
            )
        say(
            f"nginx :{lb_port} -> gunicorn :{web_ports[0]} :{web_ports[1]}; workers rehearse-w1, rehearse-w2; beat"
        )

        tokens = {
            "write": get_token(lb_port, "rehearse_writer"),
            "read": get_token(lb_port, "rehearse_reader"),
        }
        load = Load(lb_port, tokens, investor, uuid.uuid4().hex[:6])

        # --- Faults under load ------------------------------------------------------------------
        start = time.monotonic()
        until = start + FAULT_SECONDS
        # (fault, signal sent, process gone): a call is in flight at a kill if it overlaps that;
        # a web instance is gone when its port refuses connections.
        kills: list[tuple[str, float, float]] = []
        with concurrent.futures.ThreadPoolExecutor(WRITERS + READERS) as pool:
            futures = [pool.submit(load.writer, n, until) for n in range(WRITERS)]
            futures += [pool.submit(load.reader, n, until) for n in range(READERS)]
            time.sleep(KILL_WEB_AT)
            sent = time.monotonic()
            procs.kill("web1")
            # The master is reaped first; its workers, which hold the listening socket too, exit
            # a few milliseconds later. The instance is gone when its port refuses connections:
            # until then nginx may still hand a write to a dying worker (a 502 it cannot retry).
            wait_for(
                "web instance 1 to refuse connections", lambda: refuses(web_ports[0]), 10, 0.002
            )
            kills.append(("web", sent, time.monotonic()))
            gone_ms = (kills[-1][2] - sent) * 1000
            say(
                f"killed web instance 1 (SIGKILL, :{web_ports[0]}; refusing after {gone_ms:.0f} ms)"
            )
            time.sleep(KILL_WORKER_AT - KILL_WEB_AT)
            sent = time.monotonic()
            procs.kill("worker1")
            kills.append(("worker", sent, time.monotonic()))
            say("killed worker rehearse-w1 (SIGKILL)")
            time.sleep(RESTART_REDIS_AT - KILL_WORKER_AT)
            sent = time.monotonic()
            procs.kill("redis", signal.SIGTERM)
            kills.append(("redis", sent, time.monotonic()))
            procs.spawn("redis", redis_cmd)
            say("restarted Redis (empty: no persistence)")
            for future in futures:
                future.result()
        writes = [c for c in load.calls if c.kind == "write"]
        reads = [c for c in load.calls if c.kind == "read"]
        say(f"load done: {len(writes)} write calls, {len(reads)} read calls in {FAULT_SECONDS} s")

        # Errors: no HTTP answer or a 5xx, 429s aside. A call in flight when a process was killed
        # may fail (its connection is cut): one that started before the killed instance was gone
        # and ended after the signal. Any other is a failure of the rehearsal.
        def in_flight(call: Call) -> bool:
            return any(
                call.start <= gone and sent <= call.end + 0.05
                for what, sent, gone in kills
                if what == "web"
            )

        errors = [c for c in load.calls if c.status is None or (c.status >= 500)]
        beyond = [c for c in errors if not in_flight(c)]
        results["errors"] = (len(errors), len(beyond))
        t0 = kills[0][1] if kills else 0.0
        for c in errors:
            near = min(kills, key=lambda k: abs(k[1] - c.start), default=("none", t0, t0))
            say(
                f"error: {c.kind} answered {c.status or 'nothing'}, from {c.start - t0:+.2f} s to "
                f"{c.end - t0:+.2f} s after the web kill; nearest fault: {near[0]} at "
                f"{near[1] - t0:+.2f} s"
            )

        # --- Recovery ---------------------------------------------------------------------------
        # The killed instance and a new worker start; the surviving worker and the sweep drain
        # what the outbox holds meanwhile.
        recover_start = time.monotonic()
        procs.spawn("web1", [*gunicorn, "-b", f"127.0.0.1:{web_ports[0]}"], env)
        procs.spawn("worker3", [*worker, "-n", "rehearse-w3@%h"], env)
        wait_for(
            "outbox drained",
            lambda: psql(primary_url, "SELECT count(*) FROM rollups_outbox") == "0",
            60,
            0.25,
        )
        say(f"outbox drained {time.monotonic() - recover_start:.1f} s after the load")
        verify = subprocess.Popen(
            [PY, "manage.py", "verify_rollups"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = psql(
            primary_url,
            "SELECT coalesce(json_object_agg(name, ids), '{}') FROM (SELECT name, "  # noqa: S608
            "json_agg(id) AS ids FROM projects_project "
            f"WHERE name LIKE '演练{load.tag}-%' GROUP BY name) t",  # (tag: 6 hex digits)
        )
        stored = json.loads(found)
        lost = [n for n in load.acknowledged if n not in stored]
        duplicates = [n for n, ids in stored.items() if len(ids) > 1]
        wrong_id = [n for n, pk in load.acknowledged.items() if n in stored and stored[n] != [pk]]
        unacknowledged = [n for n in stored if n not in load.acknowledged]
        results["writes"] = (
            len(load.acknowledged),
            len(stored),
            lost,
            duplicates,
            wrong_id,
            unacknowledged,
            load.gave_up,
        )

        output = verify.communicate(timeout=120)[0]
        drift_line = output.strip().splitlines()[-1] if output.strip() else "no output"
        results["drift"] = (verify.returncode, drift_line)
        say(f"verify_rollups: {drift_line}")
        wait_for("web 1 again", lambda: http_status(web_ports[0], "/healthz/ready") == 200, 60, 0.2)
        say("web instance 1 and worker rehearse-w3 started again")

        # --- Throughput: two web instances, then one ---------------------------------------------
        two = throughput(load, THROUGHPUT_SECONDS)
        procs.kill("web2", signal.SIGTERM)
        wait_for("web 2 out", lambda: http_status(lb_port, "/healthz/live") == 200)
        one = throughput(load, THROUGHPUT_SECONDS)
        results["throughput"] = (one, two)
        say(f"throughput measured: two instances {two:.1f}/s, one {one:.1f}/s")

        # --- Replica lag as /healthz reports it --------------------------------------------------
        conn = http.client.HTTPConnection("127.0.0.1", lb_port, timeout=10)
        conn.request("GET", "/healthz")
        report = json.loads(conn.getresponse().read())
        results["replica"] = report["checks"].get(
            "replica", {"ok": False, "detail": "not reported"}
        )
        results["health"] = report["status"]
    except Fail as exc:
        for name in ("web1", "web2", "nginx", "worker1", "worker2", "beat"):
            tail = procs.log_tail(name)
            if tail.strip():
                print(f"--- {name} (log tail) ---\n{tail}")
        print(f"rehearsal stopped: {exc}")
        return 1
    finally:
        say("stopping")
        procs.stop_all()
        if replica is not None:
            stop_replica(*replica)
        say("stopped")
        # DROP DATABASE waits for a checkpoint of the shared cluster: left to finish on its own.
        subprocess.Popen(
            ["psql", admin_url, "-XAtqc", f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # The replica's copy of the whole cluster: removed in the background as well.
        subprocess.Popen(["rm", "-rf", str(tmp)], start_new_session=True)
    return report_results(results)


def report_results(results: dict) -> int:
    acknowledged, stored, lost, duplicates, wrong_id, unacknowledged, gave_up = results["writes"]
    errors, beyond = results["errors"]
    drift_rc, drift_line = results["drift"]
    one, two = results["throughput"]
    replica = results["replica"]
    ratio = two / one if one else 0.0
    lines = [
        f"writes acknowledged {acknowledged}, found {stored}: lost {len(lost)}, duplicates "
        f"{len(duplicates)}, other id {len(wrong_id)}, stored but unacknowledged {len(unacknowledged)}, "
        f"given up {len(gave_up)}",
        f"drift after recovery: {'0' if drift_rc == 0 else 'NOT 0'} ({drift_line})",
        f"errors (no answer or 5xx, 429 aside): {errors}, of which beyond the requests in flight at "
        f"the web kill: {beyond}",
        f"throughput (API reads, 200s/s): one web instance {one:.1f}, two {two:.1f}: {ratio:.2f}x "
        f"(target 1.6x; this machine has {os.cpu_count()} cores for everything)",
        f"replica lag in /healthz: {replica['detail']} (ok: {replica['ok']}; /healthz {results['health']})",
    ]
    print("\n".join(["", "Scale-out rehearsal", *(f"  {line}" for line in lines)]))
    failed = (
        lost or duplicates or wrong_id or gave_up or drift_rc != 0 or beyond or not replica["ok"]
    )
    print(f"  {'FAILED' if failed else 'passed'} in {time.monotonic() - T0:.0f} s")
    return 1 if failed else 0


NGINX = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream web {{
        # A refused connection takes the instance out for 5 s; the request goes to the other.
        server 127.0.0.1:{web1} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{web2} max_fails=1 fail_timeout=5s;
    }}
    server {{
        listen 127.0.0.1:{lb};
        location / {{
            proxy_pass http://web;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            # Reads, and writes that never reached the dead instance, go on to the other one.
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


if __name__ == "__main__":
    sys.exit(main())
