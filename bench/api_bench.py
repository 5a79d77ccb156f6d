"""API benchmark (issue 6): the project list in-process, next to a floor, at N projects.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jz_bench_api REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python bench/api_bench.py --rows 10000 --rows 100000

Uses (and fills) the database it is given; never point it at real data. Rows are made with
bulk_create (fabricated load, not business writes). Writes docs/PERFORMANCE-API.md. The HTTP part of
the issue (gunicorn + wrk/locust at 8 and 32 connections) is not done here yet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdef0123456789")
os.environ.setdefault("DEMO", "1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEAT = 60


def fill(target: int) -> None:
    from core.models import IndustryChain, PromotionMethod, Region
    from enterprises.models import Enterprise, IndustrialPark
    from projects.models import Project

    have = Project.all_objects.count()
    if have >= target:
        return
    rng = random.Random(target)  # noqa: S311
    regions = list(Region.objects.exclude(code="140700"))
    chains = list(IndustryChain.objects.all())
    methods = list(PromotionMethod.objects.all())
    parks = list(IndustrialPark.objects.all()) or [None]
    if Enterprise.all_objects.count() < 2000:
        Enterprise.objects.bulk_create(
            Enterprise(name=f"基准测试企业{i:05d}有限公司", normalized_name=f"基准测试企业{i:05d}")
            for i in range(2000)
        )
    investors = list(Enterprise.objects.values_list("id", flat=True)[:2000])
    batch = []
    for i in range(have, target):
        registered = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))
        signed = registered + dt.timedelta(days=rng.randrange(200)) if rng.random() < 0.6 else None
        batch.append(
            Project(
                name=f"基准项目{i}",
                investor_id=rng.choice(investors),
                region=rng.choice(regions),
                chain=rng.choice(chains),
                method=rng.choice(methods),
                park=rng.choice(parks),
                planned_investment=Decimal(rng.randrange(100, 5_000_000)) / 100,
                stage="signed" if signed else "lead",
                registered_on=registered,
                signed_on=signed,
            )
        )
        if len(batch) == 5000:
            Project.objects.bulk_create(batch)
            batch = []
    Project.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, url: str, headers: dict) -> dict:
    client.get(url, headers=headers)  # warm
    times, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        queries = len(ctx.captured_queries)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "queries": queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append", help="project counts (repeatable)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "PERFORMANCE-API.md"))
    args = parser.parse_args()
    sizes = args.rows or [10_000]
    if "bench" not in settings.DATABASES["default"]["NAME"]:
        sys.exit("Refusing to fill a database whose name does not contain 'bench'.")

    call_command("migrate", verbosity=0)
    from accounts import services
    from demo import loader

    loader.load_reference()
    loader.load_demo_users(password="demo12345")  # noqa: S106 (bench-only users)
    from accounts.models import User

    user = User.objects.get(username="api_reader")
    _token, plain = services.api_token_create(user=user, by=user, expires_in=None)
    headers = {"Authorization": f"Token {plain}"}

    cases = {
        "page 1, 50 rows (page numbers, COUNT)": "/api/v1/projects/?page_size=50",
        "deep page (page 100)": "/api/v1/projects/?page_size=50&page=100",
        "cursor, first 50": "/api/v1/projects/?cursor=&page_size=50",
        "filtered: region+stage+signed 2021": (
            "/api/v1/projects/?region=140702&stage=signed&signed_from=2021-01-01"
            "&signed_to=2021-12-31&page_size=50"
        ),
        "filtered, cursor": (
            "/api/v1/projects/?region=140702&stage=signed&signed_from=2021-01-01"
            "&signed_to=2021-12-31&cursor=&page_size=50"
        ),
        "floor: raw SQL + orjson view": "/bench/floor/",
    }
    lines = [
        "# API performance (bench/api_bench.py)",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on this machine (2 shared cores), "
        f"in-process through the full middleware stack with a token, {REPEAT} requests per row. "
        "Times in ms; queries per request include the token lookup (1).",
        "",
    ]
    with override_settings(ROOT_URLCONF="bench.api_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        for size in sizes:
            fill(size)
            lines += [
                f"## {size:,} projects",
                "",
                "| request | median | p95 | queries | p95 / floor p95 |",
                "|---|---:|---:|---:|---:|",
            ]
            results = {name: measure(client, url, headers) for name, url in cases.items()}
            floor_p95 = results["floor: raw SQL + orjson view"]["p95"]
            for name, r in results.items():
                lines.append(
                    f"| {name} | {r['median']:.1f} | {r['p95']:.1f} | {r['queries']} "
                    f"| {r['p95'] / floor_p95:.1f}× |"
                )
                print(size, name, {k: round(v, 1) for k, v in r.items()}, flush=True)
            lines.append("")
    lines += [
        "Not measured yet: 10^6 rows (filling takes long on this machine) and the HTTP run through",
        "gunicorn with wrk/locust; see the issue for the targets.",
        "",
    ]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
