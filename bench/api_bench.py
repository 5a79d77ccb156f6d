"""API benchmark (issue 6): the project list, in-process and through gunicorn, next to a floor.

    make bench BENCH_PARTS=api                      # 10^4 projects
    BENCH_SIZES=10000,1000000 make bench BENCH_PARTS=api

Works on its own scratch database, <DATABASE_URL's name>_bench_api, dropped and created here (the
database it is given is never written). Projects are generated with INSERT ... SELECT over
generate_series (fabricated load, not business writes). For each size:

- in-process (Django test client, the full middleware stack, a token): a page of 50 projects with
  and without filters, page numbers and cursor — median, p95 and queries per request — next to the
  floor (bench/api_urls.py: the same page as one raw SQL query serialised with orjson);
- through gunicorn (2 workers, 127.0.0.1 only) with wrk at 8 and 32 connections, 20 s each:
  throughput, p95 and errors, next to the floor view under the same load. wrk comes from Debian
  (`apt-get install -y wrk`); without it the HTTP part is skipped with a message.

Writes docs/PERFORMANCE-API.md. Sizes from BENCH_SIZES (default 10000).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess  # nosec B404 (gunicorn and wrk, fixed argv)
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import environ  # noqa: E402
import psycopg2  # noqa: E402

SOURCE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jinzhong_crm")
cfg = environ.Env.db_url_config(SOURCE_URL)
BENCH_DB = cfg["NAME"] + "_bench_api"
DSN = {
    "host": cfg["HOST"] or "127.0.0.1",
    "port": cfg["PORT"] or 5432,
    "user": cfg["USER"],
    "password": cfg.get("PASSWORD") or None,
}


def _fresh_database() -> None:
    """Drop and create the scratch database: every run starts from nothing."""
    conn = psycopg2.connect(dbname="postgres", **DSN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{BENCH_DB}"')
    conn.close()


_fresh_database()
_auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
os.environ["DATABASE_URL"] = f"postgres://{_auth}@{DSN['host']}:{DSN['port']}/{BENCH_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
os.environ.setdefault("DEMO", "1")
os.environ["HTTPS"] = "0"
os.environ["DEBUG"] = "0"
# A load test of one token must not be throttled (the throttle still runs: its cost is measured).
os.environ["API_THROTTLE_USER"] = "100000000/min"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEAT = int(os.environ.get("BENCH_RUNS", "60"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip()]
HTTP_SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "20"))
HTTP_CONNECTIONS = (8, 32)
PORT = int(os.environ.get("BENCH_PORT", "8103"))
OUT = ROOT / "docs" / "PERFORMANCE-API.md"

FILTERS = "region=140702&stage=signed&signed_from=2021-01-01&signed_to=2021-12-31"
CASES = {
    "page 1 of 50 (page numbers, with COUNT)": "/api/v1/projects/?page_size=50",
    "cursor, first 50": "/api/v1/projects/?cursor=&page_size=50",
    "cursor, a later page": None,  # filled in from the first page's `next`
    "filtered, page numbers": f"/api/v1/projects/?{FILTERS}&page_size=50",
    "filtered, cursor": f"/api/v1/projects/?{FILTERS}&cursor=&page_size=50",
    "floor: raw SQL + orjson": "/bench/floor/",
    "floor, filtered": f"/bench/floor/?{FILTERS}",
}
HTTP_CASES = {
    "API: cursor, first 50": "/api/v1/projects/?cursor=&page_size=50",
    "API: filtered, cursor": f"/api/v1/projects/?{FILTERS}&cursor=&page_size=50",
    "floor": "/bench/floor/",
    "floor, filtered": f"/bench/floor/?{FILTERS}",
}


# --- data ---------------------------------------------------------------------------------------------
def generate(n: int) -> float:
    """Replace the projects with n generated ones (2,000 investors, every region, chain, method)."""
    from enterprises.models import Enterprise

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE projects_project, enterprises_enterprise CASCADE")
    Enterprise.objects.bulk_create(
        Enterprise(name=f"基准测试企业{i:05d}有限公司", normalized_name=f"基准测试企业{i:05d}")
        for i in range(2000)
    )
    with connection.cursor() as cur:
        cur.execute("SELECT array_agg(id ORDER BY id) FROM enterprises_enterprise")
        investors = cur.fetchone()[0]
        cur.execute("SELECT array_agg(id ORDER BY id) FROM core_region WHERE code <> '140700'")
        regions = cur.fetchone()[0]
        cur.execute("SELECT array_agg(id ORDER BY id) FROM core_industrychain")
        chains = cur.fetchone()[0]
        cur.execute("SELECT array_agg(id ORDER BY id) FROM core_promotionmethod")
        methods = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO projects_project (
                created_at, updated_at, is_deleted, name, planned_investment, currency, stage,
                registered_on, negotiating_on, signed_on, planned_start_on, started_on,
                producing_on, at_capacity_on, drop_reason, is_out_of_province, is_foreign,
                is_confidential, notes, investor_id, region_id, chain_id, method_id)
            SELECT now(), now(), i %% 97 = 0, '基准项目' || i, (1000 + (i * 37) %% 200000) + 0.25,
                'CNY',
                (ARRAY['lead','lead','lead','negotiating','signed','signed','started','started',
                       'producing','at_capacity'])[k + 1],
                reg,
                CASE WHEN k >= 3 THEN reg + 10 END,
                CASE WHEN k >= 4 THEN reg + 30 END,
                CASE WHEN k >= 4 THEN reg + 60 END,
                CASE WHEN k >= 6 THEN reg + 90 END,
                CASE WHEN k >= 8 THEN reg + 300 END,
                CASE WHEN k = 9 THEN reg + 500 END,
                '', i %% 3 = 0, i %% 11 = 0, false, '',
                (%(investors)s::bigint[])[(1 + i %% 2000)::int],
                (%(regions)s::bigint[])[(1 + i %% cardinality(%(regions)s::bigint[]))::int],
                (%(chains)s::bigint[])[(1 + (i / 7) %% cardinality(%(chains)s::bigint[]))::int],
                (%(methods)s::bigint[])[(1 + (i / 3) %% cardinality(%(methods)s::bigint[]))::int]
            FROM (SELECT i, ((i * 7) %% 10)::int AS k,
                         date '2016-01-01' + ((i * 7919) %% 3400)::int AS reg
                  FROM generate_series(1::bigint, %(n)s::bigint) AS i) g
            """,
            {
                "n": n,
                "investors": investors,
                "regions": regions,
                "chains": chains,
                "methods": methods,
            },
        )
        cur.execute("VACUUM ANALYZE projects_project")
        cur.execute("ANALYZE enterprises_enterprise")
    return time.perf_counter() - start


# --- in-process ---------------------------------------------------------------------------------------
def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median": statistics.median(ordered), "p95": p95}


def measure(client: Client, url: str, headers: dict) -> dict:
    for _ in range(3):  # warm
        client.get(url, headers=headers)
    times, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        queries = len(ctx.captured_queries)
    return {**_stats(times), "queries": queries}


def in_process(headers: dict) -> list[tuple[str, dict]]:
    results = []
    with override_settings(ROOT_URLCONF="bench.api_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        first = client.get(CASES["cursor, first 50"], headers=headers).json()
        later = client.get(first["next"], headers=headers).json()  # page 3: a real cursor
        for name, url in CASES.items():
            url = url or later["next"].split("testserver", 1)[-1]
            r = measure(client, url, headers)
            results.append((name, r))
            print(f"  {name}: {r['median']:.1f} / {r['p95']:.1f} ms, {r['queries']} q", flush=True)
    return results


# --- HTTP ---------------------------------------------------------------------------------------------
def _wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not listen on 127.0.0.1:{port}")


# wrk's --latency table stops at 90% and 99%: a done() hook prints the exact 95th percentile.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95.0)))
end
"""


def _wrk(url: str, connections: int, headers: dict) -> dict:
    script = Path(tempfile.gettempdir()) / "api_bench_p95.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{HTTP_SECONDS}s", "--latency"]
    cmd += ["--timeout", "10s"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run(  # noqa: S603  # nosec B603 B607 (fixed argv, loopback URL)
        [*cmd, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=HTTP_SECONDS + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"P95_US (\d+)", out).group(1)) / 1000
    p50 = _wrk_ms(re.search(r"^\s*50%\s+([\d.]+\w+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return {"rps": rps, "p50": p50, "p95": p95, "requests": total, "errors": errors}


def _wrk_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def over_http(headers: dict) -> list[tuple[str, int, dict]] | str:
    if shutil.which("wrk") is None:
        message = "wrk is not installed (`apt-get install -y wrk`): the HTTP part was skipped."
        print(message, flush=True)
        return message
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.gunicorn_settings",
    }
    server = subprocess.Popen(  # noqa: S603  # nosec B603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.gunicorn_wsgi:application",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    results = []
    try:
        _wait_for_port(PORT)
        base = f"http://127.0.0.1:{PORT}"
        for url in HTTP_CASES.values():  # warm both workers
            for _ in range(4):
                req = urllib.request.Request(base + url, headers=headers)  # noqa: S310
                urllib.request.urlopen(req, timeout=30).read()  # noqa: S310  # nosec B310
        for connections in HTTP_CONNECTIONS:
            for name, url in HTTP_CASES.items():
                r = _wrk(base + url, connections, {} if name.startswith("floor") else headers)
                results.append((name, connections, r))
                print(
                    f"  {name} @ {connections}: {r['rps']:.0f} req/s, p95 {r['p95']:.1f} ms, "
                    f"{r['errors']} errors",
                    flush=True,
                )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return results


# --- report -------------------------------------------------------------------------------------------
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, PostgreSQL {pg}, "
        f"Django {django.get_version()}"
    )


def report(sections: list[dict]) -> str:
    lines = [
        "# API performance (bench/api_bench.py)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `make bench BENCH_PARTS=api`",
        f"(BENCH_SIZES={','.join(str(s['n']) for s in sections)}) on {machine()}.",
        "The machine's 2 cores were shared with other sessions' work during the run, so absolute",
        "times are noisy; compare within a table (the floor ran in the same minute).",
        "",
        "Goals (issue 6): in-process p95 ≤ 2× the floor's and flat from 10^4 to 10^6; at most 3",
        "queries per request; HTTP throughput ≥ 0.5× the floor's; 0 errors.",
        "",
    ]
    for s in sections:
        lines += [
            f"## {s['n']:,} projects (generated in {s['generate_s']:.0f} s)",
            "",
            f"In-process, {REPEAT} requests each, full middleware stack with a token. Times in ms;",
            "queries include the token lookup (1).",
            "",
            "| request | median | p95 | queries | p95 / floor p95 |",
            "|---|---:|---:|---:|---:|",
        ]
        floors = dict(s["in_process"])
        for name, r in s["in_process"]:
            floor = floors["floor, filtered" if "filtered" in name else "floor: raw SQL + orjson"]
            lines.append(
                f"| {name} | {r['median']:.1f} | {r['p95']:.1f} | {r['queries']} "
                f"| {r['p95'] / floor['p95']:.2f}× |"
            )
        lines.append("")
        http = s["http"]
        if isinstance(http, str):
            lines += [http, ""]
            continue
        lines += [
            f"Through gunicorn (2 workers, 127.0.0.1) with wrk (2 threads), {HTTP_SECONDS} s each:",
            "",
            "| request | connections | req/s | × its floor | p50 ms | p95 ms | requests | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        floor_rps = {(name, c): r["rps"] for name, c, r in http if name.startswith("floor")}
        for name, c, r in http:
            floor = floor_rps[("floor, filtered" if "filtered" in name else "floor", c)]
            lines.append(
                f"| {name} | {c} | {r['rps']:.0f} | {r['rps'] / floor:.2f}× "
                f"| {r['p50']:.1f} | {r['p95']:.1f} | {r['requests']} | {r['errors']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    call_command("migrate", verbosity=0)
    from accounts import services
    from accounts.models import User
    from demo import loader

    loader.load_reference()
    loader.load_demo_users(password="demo12345")  # noqa: S106  # nosec B106 (bench-only)
    user = User.objects.get(username="api_reader")
    _token, plain = services.api_token_create(user=user, by=user, expires_in=None)
    headers = {"Authorization": f"Token {plain}"}

    sections = []
    for n in SIZES:
        print(f"{n:,} projects: generating…", flush=True)
        section = {"n": n, "generate_s": generate(n)}
        section["in_process"] = in_process(headers)
        section["http"] = over_http(headers)
        sections.append(section)
    connection.close()
    text = report(sections)
    notes = OUT.read_text(encoding="utf-8").split("<!-- notes -->", 1) if OUT.exists() else []
    if len(notes) == 2:
        text += "\n<!-- notes -->" + notes[1]
    OUT.write_text(text, encoding="utf-8")
    print("wrote", OUT)
    drop = psycopg2.connect(dbname="postgres", **DSN)
    drop.autocommit = True
    with drop.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    drop.close()


if __name__ == "__main__":
    main()
