"""What every bench part shares: its own scratch PostgreSQL database, Django set up on it, the
statistics a row reports, and writing its section of docs/PERFORMANCE.md.

    from bench import scratch
    BENCH_DB, DSN = scratch.open_database("_bench_pages")   # before any Django import

The scratch database is named after DATABASE_URL's database plus a suffix, dropped and created
afresh (every run starts from nothing), and DATABASE_URL is pointed at it before django.setup().
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess  # nosec B404 (git rev-parse, fixed argv)
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def open_database(suffix: str, *, fresh: bool = True, **environment: str) -> tuple[str, dict]:
    """Create the scratch database (dropped first when `fresh`), point Django at it and set it up.
    `environment`: settings the part needs (set before Django reads them). Returns its name and the
    psycopg connection arguments for the floors' raw connections."""
    import environ
    import psycopg2

    source = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jinzhong_crm")
    cfg = environ.Env.db_url_config(source)
    name = cfg["NAME"] + suffix
    dsn = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"],
        "password": cfg.get("PASSWORD") or None,
    }
    conn = psycopg2.connect(dbname="postgres", **dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        if fresh:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
    os.environ["DATABASE_URL"] = f"postgres://{auth}@{dsn['host']}:{dsn['port']}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
    os.environ.setdefault("DEMO", "1")
    os.environ["HTTPS"] = "0"
    os.environ["DEBUG"] = "0"
    os.environ.update(environment)

    import django

    django.setup()
    return name, dsn


def generate_projects(n: int, *, funds: bool = False) -> float:
    """Replace the projects with n generated ones (2,000 investors; every region, chain and method;
    every stage; ~1% soft-deleted, a third out-of-province, one in 11 foreign) in one INSERT … SELECT
    over generate_series, with `funds` a funds-in-place row (a fifth of the amount, in the month it
    started) for each started one, then VACUUM ANALYZE. No change history. Returns the seconds
    taken."""
    import time

    from django.db import connection

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
                is_confidential, late_entry, notes, investor_id, region_id, chain_id, method_id)
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
                '', i %% 3 = 0, i %% 11 = 0, false, false, '',
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
        if funds:
            cur.execute(
                "INSERT INTO projects_fundsinplace (created_at, updated_at, month, amount, note, "
                "project_id) SELECT now(), now(), date_trunc('month', started_on::timestamp)::date, "
                "planned_investment * 0.2, '', id FROM projects_project WHERE started_on IS NOT NULL"
            )
    # Outside a transaction: VACUUM sets the visibility map the index-only scans rely on (what
    # autovacuum does on a live database).
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE projects_project")
        cur.execute("VACUUM ANALYZE projects_fundsinplace")
        cur.execute("ANALYZE enterprises_enterprise")
    return time.perf_counter() - start


def drop_database(name: str, dsn: dict) -> None:
    import psycopg2

    conn = psycopg2.connect(dbname="postgres", **dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def stats(samples: list[float]) -> dict:
    """Median and p95 (the nearest rank) of samples in ms, and how many there were."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median": statistics.median(ordered), "p95": p95, "n": len(ordered)}


def commit() -> str:
    return subprocess.run(  # noqa: S603  # nosec B603 B607
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


def machine() -> str:
    """Cores, Python, PostgreSQL and Django versions, for a section's first line."""
    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL {pg}, "
        f"Django {django.get_version()}"
    )


def verdict(ratio: float, budget: float) -> str:
    return f"≤ {budget:g}× ({'met' if ratio <= budget else 'NOT met'})"


def write_section(start: str, end: str, text: str) -> Path:
    """Replace the part's section of docs/PERFORMANCE.md (between its markers), or append it."""
    path = ROOT / "docs" / "PERFORMANCE.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if start in old and end in old:
        before, rest = old.split(start, 1)
        old = before + rest.split(end, 1)[1].lstrip("\n")
    path.write_text(old.rstrip("\n") + "\n\n" + text.strip("\n") + "\n", encoding="utf-8")
    return path
