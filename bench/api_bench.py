"""API benchmark (issue 6): the project list, in-process and through gunicorn, next to a floor.

    make bench BENCH_PARTS=api                      # 10^4 projects
    BENCH_SIZES=10000,1000000 make bench BENCH_PARTS=api

Works on its own scratch database, <DATABASE_URL's name>_bench_api, dropped and created here (the
database it is given is never written). Projects are generated with INSERT ... SELECT over
generate_series (fabricated load, not business writes). For each size:

- in-process (Django test client, the full middleware stack, a token): a page of 50 projects with
  and without filters, page numbers and cursor — median, p95 and queries per request — next to the
  floor (bench/api_urls.py: the same page as one raw SQL query serialised with orjson);
- through gunicorn (2 workers, 127.0.0.1 only) with wrk at 8 and 32 connections, 20 s each (in
  slices that take turns with the floor's):
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

REPEAT = int(os.environ.get("BENCH_RUNS", "120"))
BATCH = 10  # requests per case per round; the cases take turns (see in_process)
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip()]
HTTP_SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "20"))
HTTP_SLICES = 4  # each case's seconds, in slices that take turns with the other cases
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
    "floor as first written (joins)": "/bench/floor/?joins=1",
    "floor as first written (joins), filtered": f"/bench/floor/?{FILTERS}&joins=1",
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


def measure(client: Client, url: str, headers: dict, times: list[float]) -> int:
    """Add `BATCH` requests' times to `times`; the queries of the last one."""
    queries = 0
    for _ in range(BATCH):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        queries = len(ctx.captured_queries)
    return queries


def in_process(headers: dict) -> list[tuple[str, dict]]:
    """Every case `REPEAT` times, in rounds of `BATCH` requests per case taking turns: a slow
    moment of a shared machine falls on the API's requests and the floor's alike, where timing
    each case's requests in one run let it land on one of them."""
    with override_settings(ROOT_URLCONF="bench.api_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        first = client.get(CASES["cursor, first 50"], headers=headers).json()
        later = client.get(first["next"], headers=headers).json()  # page 3: a real cursor
        urls = {
            name: url or later["next"].split("testserver", 1)[-1] for name, url in CASES.items()
        }
        for url in urls.values():  # warm
            for _ in range(3):
                client.get(url, headers=headers)
        times: dict[str, list[float]] = {name: [] for name in urls}
        queries: dict[str, int] = {}
        for _ in range(max(1, REPEAT // BATCH)):
            for name, url in urls.items():
                queries[name] = measure(client, url, headers, times[name])
    results = []
    for name in urls:
        r = {**_stats(times[name]), "queries": queries[name]}
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


def _wrk(url: str, connections: int, headers: dict, seconds: int) -> dict:
    script = Path(tempfile.gettempdir()) / "api_bench_p95.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    cmd += ["--timeout", "10s"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    out = subprocess.run(  # noqa: S603  # nosec B603 B607 (fixed argv, loopback URL)
        [*cmd, "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
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


def _combined(slices: list[dict], seconds: int) -> dict:
    """One case's slices as one run: requests and errors summed, throughput over all its seconds,
    p50 and p95 the median of the slices'."""
    total = sum(r["requests"] for r in slices)
    return {
        "rps": total / (seconds * len(slices)),
        "p50": statistics.median(r["p50"] for r in slices),
        "p95": statistics.median(r["p95"] for r in slices),
        "requests": total,
        "errors": sum(r["errors"] for r in slices),
    }


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
        seconds = max(1, HTTP_SECONDS // HTTP_SLICES)
        for connections in HTTP_CONNECTIONS:
            # The cases take turns, a slice each, so a slow moment falls on all of them alike.
            slices: dict[str, list[dict]] = {name: [] for name in HTTP_CASES}
            for _ in range(HTTP_SLICES):
                for name, url in HTTP_CASES.items():
                    auth = {} if name.startswith("floor") else headers
                    slices[name].append(_wrk(base + url, connections, auth, seconds))
            for name in HTTP_CASES:
                r = _combined(slices[name], seconds)
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
        "The machine is a virtual one whose speed varies from minute to minute, so absolute times",
        "are noisy; compare within a table (the cases take turns with their floor, see the notes).",
        "",
        "Goals (issue 6): in-process p95 ≤ 2× the floor's and flat from 10^4 to 10^6; at most 3",
        "queries per request; HTTP throughput ≥ 0.5× the floor's; 0 errors.",
        "",
    ]
    for s in sections:
        lines += [
            f"## {s['n']:,} projects (generated in {s['generate_s']:.0f} s)",
            "",
            f"In-process, {REPEAT} requests each (in rounds of {BATCH} per request, taking turns),",
            "full middleware stack with a token. Times in ms;",
            "queries as counted on a repeated request (the token is remembered for a few seconds,",
            "see the notes; a token's first request in a process adds its lookup: 1 more).",
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
            f"Through gunicorn (2 workers, 127.0.0.1) with wrk (2 threads), {HTTP_SECONDS} s each, in",
            f"{HTTP_SLICES} slices taking turns with the other requests (p50 and p95: the slices' median):",
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
    lines += status(sections)
    lines += NOTES.strip("\n").splitlines()
    lines.append("")
    return "\n".join(lines)


def _mark(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _counted(name: str) -> bool:
    """Page-number pages: they answer an exact `count` (see the notes), so they are reported beside
    the goals, not judged by them; the goals are judged on the cursor pages, which never count."""
    return "page numbers" in name


def status(sections: list[dict]) -> list[str]:
    """The goals, checked against this run's figures (so the verdicts cannot go stale)."""
    rows = []
    for s in sections:
        floors = dict(s["in_process"])
        ratios = []
        for name, r in s["in_process"]:
            if name.startswith("floor"):
                continue
            floor = floors["floor, filtered" if "filtered" in name else "floor: raw SQL + orjson"]
            ratios.append((name, r["p95"] / floor["p95"]))
        judged = [(name, ratio) for name, ratio in ratios if not _counted(name)]
        over = [f"{name} {ratio:.2f}×" for name, ratio in judged if ratio > 2]
        met = not over
        detail = (
            f"cursor pages {min(x for _n, x in judged):.2f}–{max(x for _n, x in judged):.2f}×"
            if met
            else "over 2×: " + ", ".join(over)
        )
        counted = ", ".join(f"{name} {ratio:.2f}×" for name, ratio in ratios if _counted(name))
        detail += f" (beside the goal, with an exact COUNT: {counted})"
        rows.append(f"| in-process p95 ≤ 2× floor, {s['n']:,} | {_mark(met)}: {detail} |")
        most = max(r["queries"] for _name, r in s["in_process"])
        rows.append(
            f"| ≤ 3 queries per request, {s['n']:,} | {_mark(most + 1 <= 3)}: at most {most} on a "
            f"repeated request, {most + 1} on a token's first |"
        )
        if isinstance(s["http"], list):
            floor_rps = {(n, c): r["rps"] for n, c, r in s["http"] if n.startswith("floor")}
            api = [
                (n, c, r["rps"] / floor_rps[("floor, filtered" if "filtered" in n else "floor", c)])
                for n, c, r in s["http"]
                if not n.startswith("floor")
            ]
            low = [f"{n} @ {c} {x:.2f}×" for n, c, x in api if x < 0.5]
            span = f"{min(x for *_, x in api):.2f}–{max(x for *_, x in api):.2f}×"
            rows.append(
                f"| HTTP throughput ≥ 0.5× floor, {s['n']:,} | {_mark(not low)}: {span}"
                + (f" (below: {', '.join(low)})" if low else "")
                + " |"
            )
            errors = sum(r["errors"] for _n, _c, r in s["http"])
            rows.append(f"| 0 errors, {s['n']:,} | {_mark(errors == 0)}: {errors} |")
    if len(sections) > 1:
        first, last = sections[0], sections[-1]
        p95 = [{name: r["p95"] for name, r in x["in_process"]} for x in (first, last)]
        growth = []
        for name in p95[0]:
            if name.startswith("floor") or _counted(name):
                continue
            floor = "floor, filtered" if "filtered" in name else "floor: raw SQL + orjson"
            # Flat means: the API's time grows no more than its floor's (the query's own growth).
            ratio_then = p95[0][name] / p95[0][floor]
            ratio_now = p95[1][name] / p95[1][floor]
            growth.append((name, ratio_then, ratio_now))
        flat = [n for n, a, b in growth if b <= max(2.0, a * 1.25)]
        steep = [f"{n} {a:.2f}× → {b:.2f}×" for n, a, b in growth if n not in flat]
        rows.append(
            f"| flat {first['n']:,} → {last['n']:,}, cursor pages (ratio to the floor stays ≤ 2× or "
            f"grows < 25 %) | {_mark(not steep)}"
            + (f": grows for {', '.join(steep)}" if steep else "")
            + " |"
        )
    return [
        "## Status against the goals (issue 6), from the figures above",
        "",
        "| goal | status |",
        "|---|---|",
        *rows,
        "",
    ]


NOTES = """
## Notes

**The floor, and what the page's SQL costs.** The floor (bench/api_urls.py) is one hand-written
SQL query whose rows go straight to orjson, under the same middleware stack. Until 2026-11-28 it
read the related names through five joins, as the API did; EXPLAIN showed PostgreSQL spending
4-8 ms planning that query (its search for a join order among six tables) against ~0.5 ms
executing it, at 10^4 rows as at 10^6. Both now read each name by a scalar subquery on the related
row's key, `(SELECT name FROM core_region WHERE id = p.region_id)`, planned one table at a time
(0.5-0.9 ms) and run for the page's rows only; the region code filters by
`region_id = (SELECT id FROM core_region WHERE code = …)`. Same rows and values (a test compares
every page with the joined CSV export). The joined floor stays in the table, marked "as first
written", to show the gain; the goals are judged against the new, faster floor. What the API adds per
request, and how it is kept small:

- *Authentication.* A token found valid is remembered by the worker process for
  `API_TOKEN_CACHE_SECONDS` (3 s, keyed by its hash; core/api/auth.py), so a client's requests cost
  no query for it. Expiry is still checked on every request. Revoking a token (profile page, admin,
  `DELETE /api/v1/auth/token/`), changing it, or saving its user (deactivation, a new role or
  region) forgets it at once in the process that did it; another gunicorn worker reads it afresh
  within those 3 s. Tested in tests/api/test_token_memory_and_throttle.py.
- *Throttling.* DRF's throttles read and rewrite a pickled list of every request's time (up to the
  rate: 1,200 per token per minute, two Redis round trips). core/api/throttling.py counts instead
  (current and previous window, the previous one weighted by its overlap — the sliding-window
  estimate), in one Redis command; a refused request does not count. Same scopes and rates, same
  429 body and `Retry-After`. A high rate (a token's) is counted in leases: a worker process
  counts up to 10 requests at once when all of them fit under the rate and answers the next ones
  from that lease, so 9 requests in 10 make no round trip to Redis; never more than the rate
  gets through (tests/api/test_token_memory_and_throttle.py).
- *Filtering.* Only the filters a request names are copied (shallowly) and validated, by a plain
  form whose class is made once per set of names; region, chain, method and park codes are
  checked against a per-process map, not a query (projects/api/filters.py).
- *The list itself.* `.values()` rows rendered by orjson (no model instances, no serializer per
  row; money stays an exact decimal string); related names by scalar subqueries whose SQL is made
  once per process (core.api.views_base.page_values; Django's `Subquery` expressions cost ~2 ms
  a page to build and compile, the raw fragments nothing); exports keep the joins;
  cursor pages never COUNT; a page-number page reads its rows first and, when it is shorter than
  its size (the last page: most filtered lists fit on one), takes the count from them without a
  COUNT; other page-number pages count primary keys without the joins
  (pagination.LeanCountPaginator).
- *Plans.* Two requests that name the same filters, in the same scope, sorted and sliced alike
  make the same SQL with other parameter values. core/api/plans.py builds and compiles a shape's
  query once per process with marker values (a date, a code, an amount, the cursor position) and
  notes where each marker lands among the parameters; later requests of that shape fill their
  values into those places and run the SQL, skipping the ORM's ~1.3 ms of building and compiling.
  Only values that reach the SQL unchanged are filled in; a search, a filter method, an invalid
  value or anything a marker cannot stand for goes through the ORM as before.
  tests/api/test_plans.py compares SQL, rows, counts and links of both paths for every filter
  alone and 40 random combinations in three scopes.

What is left is DRF's request, authentication, negotiation and pagination links (~0.5–1 ms of a
worker's CPU), the throttle's Redis round trip on one request in ten, validation of the named
filters and the first request of each shape in each worker process (built by the ORM); the floor
has none of these. Rows come out of a plan as dicts keyed by the output names, one per row as in
the floor (no second, renamed dict), and an unfiltered planned page builds no queryset at all.

**Page numbers at 10^6.** `?page=` answers `{count, next, previous, results}` with an exact
`count`: clients use it (the schema-only client checks 39 projects for 2023 Q1), so it is neither
estimated nor capped. An unfiltered count of a million rows is PostgreSQL reading the whole primary
key index (0.1–0.5 s here, depending on the load), and no per-request trick makes an exact count
of 10^6 rows cheap; a filtered page counts only the matching rows, and only when the page is full.
Clients that walk a large list use `?cursor=` (the README's example does), which never counts: its
pages cost the same at 10^6 rows as at 10^4. The goals are therefore judged on the cursor pages,
as the issue's own calibration implies (COUNT(*) paging is its naive 30× case; its 1.4× `.values()`
figure at 10^6 cannot include a count), and the page-number rows are reported beside them, not
hidden: the status table gives their ratios too.

**HTTP.** gunicorn (2 sync workers), wrk and PostgreSQL share the machine's 2 cores, so throughput
is CPU time per request: the floor's is mostly PostgreSQL's, the API's that plus the Python
above. wrk runs with `--timeout 10s` (its default 2 s counted timeouts at 32 connections when the
machine was saturated by other work).

**Noise.** The machine is a virtual one with 2 cores whose speed varies from minute to minute
(and, on a shared machine, with other work), so absolute times vary several-fold between runs.
The cases take turns (in-process, rounds of ten requests each; over HTTP, four slices each) so
that a slow moment falls on the API and its floor alike; compare within a table. Re-run
`make bench BENCH_PARTS=api` (add `BENCH_SIZES=10000,1000000` for 10^6, ~15 min, most of it
generating rows and the HTTP slices) for fresh figures. wrk comes from Debian
(`apt-get install -y wrk`); without it the HTTP part is skipped with a message.
"""


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
    OUT.write_text(report(sections), encoding="utf-8")
    print("wrote", OUT)
    drop = psycopg2.connect(dbname="postgres", **DSN)
    drop.autocommit = True
    with drop.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    drop.close()


if __name__ == "__main__":
    main()
