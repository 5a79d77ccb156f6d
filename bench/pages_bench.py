"""What a user hits beyond the lists (issue 19's budget table): the city and county dashboard PAGES
(the view, not only its selector), and saving a project amount through the edit page's own form,
through the API and through the service, each next to its floor, taking turns.

    make bench BENCH_PARTS=pages                       # 10^4 projects
    BENCH_SIZES=10000,1000000 make bench BENCH_PARTS=pages

Floors (issue 19):
- a dashboard page: the rollup reads the view ran (every captured statement that reads a
  `rollups_` table), replayed on a raw psycopg connection, plus rendering the dashboard template
  with a static context (the one the view built, kept) for the same request;
- a save: a bare `UPDATE` of the amount and the outbox `INSERT`, in one transaction, raw.

Data: n generated projects (bench.scratch.generate_projects), the demo's reference data and users,
the rollups rebuilt from them. Writes its section of docs/PERFORMANCE.md between its markers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from bench import scratch  # noqa: E402

BENCH_DB, DSN = scratch.open_database(
    "_bench_pages",
    fresh=not os.environ.get("BENCH_REUSE"),  # BENCH_REUSE=1: keep a kept database's schema
    # A load test of one token must not be throttled (the throttle still runs: its cost counts).
    API_THROTTLE_USER="100000000/min",
    ALLOWED_HOSTS="testserver",
)

import lxml.html  # noqa: E402
import psycopg2  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEAT = int(os.environ.get("BENCH_RUNS", "30"))
BATCH = 5  # requests per case per round; the cases and their floors take turns
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip()]
START = "<!-- pages-bench:start (written by bench/pages_bench.py) -->"
END = "<!-- pages-bench:end -->"
COUNTY = "140702"
YEAR = 2021
OUTBOX_KEYS = '["c|signed|1|2021-02-01|1|1||0|0|0", "s|1|signed|1|1"]'
DASHBOARD_BUDGET = 2.0
SAVE_BUDGET = 3.0


# --- dashboards --------------------------------------------------------------------------------------
def dashboard_case(client: Client, url: str, code: str | None, raw) -> tuple:
    """(request the page, its floor, queries of the page, rollup reads among them); `code`: the
    county's, None for the city."""
    from core.models import Region
    from dashboards import selectors, views

    client.get(url)  # the first read of a past day's 亮灯 tally counts the day, once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)  # noqa: S101
    reads = [q["sql"] for q in captured.captured_queries if "rollups_" in q["sql"]]
    request = response.wsgi_request
    region = None if code is None else Region.objects.get(code=code)
    # The view's own context, built once and kept.
    context = views._context(request, region, selectors.all_regions())

    def page():
        got = client.get(url)
        if got.status_code != 200:
            raise RuntimeError(f"{url}: {got.status_code}")

    def floor():
        with raw.cursor() as cur:
            for sql in reads:
                cur.execute(sql)
                cur.fetchall()
        render(request, "dashboards/dashboard.html", context)

    return page, floor, len(captured.captured_queries), len(reads)


# --- saves ---------------------------------------------------------------------------------------------
def save_cases(page_client: Client, api_client: Client, api_headers: dict, raw) -> dict:
    from projects import services
    from projects.models import Project
    from rollups.models import Outbox

    ids = list(
        Project.objects.filter(region__code=COUNTY, signed_on__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)[:50]
    )
    turn = {"page": 0, "api": 0, "service": 0, "orm_least": 0, "floor": 0}

    def next_id(kind: str) -> int:
        turn[kind] += 1
        return ids[turn[kind] % len(ids)]

    forms = {}
    for pid in ids:  # the edit page's own form, as a browser would send it
        html = page_client.get(f"/projects/{pid}/edit/").content
        form = next(f for f in lxml.html.fromstring(html).forms if "planned_investment" in f.fields)
        forms[pid] = dict(form.form_values())

    def page():
        pid = next_id("page")
        data = forms[pid]
        data["planned_investment"] = str(Decimal(data["planned_investment"]) + 1)
        # As a browser sends the form (it has no enctype): urlencoded, not the test client's
        # default multipart.
        got = page_client.post(
            f"/projects/{pid}/edit/",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
        )
        if got.status_code != 302:
            raise RuntimeError(f"edit page: {got.status_code} {got.content[:500]!r}")

    def api():
        pid = next_id("api")
        got = api_client.patch(
            f"/api/v1/projects/{pid}/",
            {"planned_investment": str(1000 + turn["api"])},
            content_type="application/json",
            headers=api_headers,
        )
        if got.status_code != 200:
            raise RuntimeError(f"API: {got.status_code} {got.content[:500]!r}")

    def service():
        project = Project.objects.get(pk=next_id("service"))
        services.project_update(
            project=project, by=None, planned_investment=project.planned_investment + Decimal(1)
        )

    def orm_least():
        # Context for the saves' budget: the least any ORM save of the amount does (the row read
        # locked, two columns saved with the model's own signals, its change history among them,
        # the outbox row created), without the service's rules.
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=next_id("orm_least"))
            project.planned_investment += Decimal(1)
            project.save(update_fields=["planned_investment", "updated_at"])
            Outbox.objects.create(keys=json.loads(OUTBOX_KEYS))

    def floor():
        with raw.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute(
                "UPDATE projects_project SET planned_investment = planned_investment + 1, "
                "updated_at = now() WHERE id = %s",
                [next_id("floor")],
            )
            cur.execute(
                "INSERT INTO rollups_outbox (created_at, keys) VALUES (now(), %s::jsonb)",
                [OUTBOX_KEYS],
            )
            cur.execute("COMMIT")

    return {"page": page, "api": api, "service": service, "orm_least": orm_least, "floor": floor}


# --- running -------------------------------------------------------------------------------------------
def _timed(fn, times: list[float]) -> None:
    for _ in range(BATCH):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)


def measure(n: int) -> dict:
    from accounts import services as account_services
    from accounts.models import User
    from rollups import refresh

    refresh.rebuild_all()
    raw = psycopg2.connect(dbname=BENCH_DB, **DSN)
    raw.autocommit = True
    city, county = Client(), Client()
    city.force_login(User.objects.get(username="city_staff"))
    county.force_login(User.objects.get(username="yuci_staff"))
    staff = User.objects.get(username="city_staff")
    _token, plain = account_services.api_token_create(user=staff, by=staff, expires_in=None)
    api_headers = {"Authorization": f"Token {plain}"}
    query = f"?year={YEAR}"
    cases = {}
    for label, client, url, code in (
        ("dashboard page: city", city, f"/dashboards/{query}", None),
        ("dashboard page: county", county, f"/dashboards/{COUNTY}/{query}", COUNTY),
    ):
        path, budget = url.split("?")[0], DASHBOARD_BUDGET
        page, floor, queries, reads = dashboard_case(client, url, code, raw)
        cases[label] = {"run": page, "floor": floor, "budget": budget, "url": path}
        cases[label]["queries"], cases[label]["reads"] = queries, reads
    saves = save_cases(city, Client(), api_headers, raw)
    for label, key in (
        ("save amount: edit page (POST /projects/<id>/edit/)", "page"),
        ("save amount: API (PATCH /api/v1/projects/<id>/)", "api"),
        ("save amount: service (projects.services.project_update)", "service"),
        ("context: the ORM's least save (locked read, save, outbox row; no rules)", "orm_least"),
    ):
        budget = SAVE_BUDGET if key != "orm_least" else None
        cases[label] = {"run": saves[key], "floor": saves["floor"], "budget": budget}
    times = {label: ([], []) for label in cases}
    for case in cases.values():  # warm
        case["run"](), case["floor"]()
    for _ in range(max(1, REPEAT // BATCH)):
        for label, case in cases.items():
            _timed(case["run"], times[label][0])
            _timed(case["floor"], times[label][1])
        refresh.drain_outbox()  # between rounds, not timed: the saves' refresh is its own row
    raw.close()
    results = {}
    for label, case in cases.items():
        run, floor = scratch.stats(times[label][0]), scratch.stats(times[label][1])
        results[label] = {
            "run": run,
            "floor": floor,
            "ratio": run["p95"] / floor["p95"],
            "budget": case["budget"],
            "queries": case.get("queries"),
            "reads": case.get("reads"),
        }
        print(
            f"  {label}: {run['median']:.1f} / {run['p95']:.1f} ms; floor "
            f"{floor['median']:.1f} / {floor['p95']:.1f} ms; {results[label]['ratio']:.2f}×",
            flush=True,
        )
    return results


def section(sections: list[dict]) -> str:
    sizes = ", ".join(f"{s['n']:,}" for s in sections)
    lines = [
        START,
        "",
        "## Dashboard pages and saves, as users hit them (bench/pages_bench.py)",
        "",
        f"Measured by `make bench BENCH_PARTS=pages` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} "
        f"UTC, commit {scratch.commit() or '?'}, sizes {sizes}; {scratch.machine()}. Through "
        f"Django's test client with the whole middleware stack (session login; the API with a "
        f"token of city staff); {REPEAT} requests per row and as many of its floor, in rounds of "
        f"{BATCH} taking turns. Times in ms; ratios are p95 / floor p95.",
        "",
    ]
    for s in sections:
        lines += [
            f"### {s['n']:,} projects (generated in {s['generate_s']:.0f} s; load average "
            f"{s['load'][0]:.1f} → {s['load'][1]:.1f} on {os.cpu_count()} cores)",
            "",
            "| what a user does | median | p95 | queries (rollup reads) | floor median "
            "| floor p95 | p95 / floor p95 | budget |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for label, r in s["results"].items():
            queries = "" if r["queries"] is None else f"{r['queries']} ({r['reads']})"
            lines.append(
                f"| {label} | {r['run']['median']:.1f} | {r['run']['p95']:.1f} | {queries} "
                f"| {r['floor']['median']:.1f} | {r['floor']['p95']:.1f} | {r['ratio']:.2f}× "
                f"| {scratch.verdict(r['ratio'], r['budget']) if r['budget'] else '— (context)'} |"
            )
        lines.append("")
    if len(sections) > 1:
        first, last = sections[0], sections[-1]
        lines.append(
            f"Constant in N (dashboard p95 at {last['n']:,} / at {first['n']:,}): "
            + ", ".join(
                f"{label.split(': ')[1]} {last['results'][label]['run']['p95'] / first['results'][label]['run']['p95']:.2f}×"
                for label in first["results"]
                if label.startswith("dashboard")
            )
            + "."
        )
        lines.append("")
    lines += [
        "Queries: of a repeated request (the first read of a past day's 亮灯 tally counts the "
        "day once), the session and user included. "
        "Floors: a dashboard page's is the rollup reads its view ran (each captured statement "
        "that reads a `rollups_` table), replayed raw, plus rendering `dashboards/dashboard.html` "
        "with the context the view built, kept from one request (context processors included); "
        "the page adds the reference reads (regions, targets, the 亮灯 and 督办 cards, the "
        "session and user) and building that context. A save's floor is a bare `UPDATE` of the "
        "amount and the outbox `INSERT` in one transaction; the edit page adds the session, the "
        "form (its choices read), the project's lookup and scoping, validation, the change "
        "history and the locked-period check, and answers with a redirect; the API adds the token "
        "and the serializer; the refresh that follows a save is measured in the rollups part. "
        "The context row is the least an ORM save of the amount does, the service's rules left "
        "out (a locked read, `save(update_fields=…)` with the model's signals, its change history "
        "among them, and the outbox row): what any save through the ORM pays before its rules.",
        "",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    from demo import loader

    call_command("migrate", verbosity=0)
    loader.load_reference()
    loader.load_demo_users(password="demo12345")  # noqa: S106  # nosec B106 (bench-only)
    sections = []
    for n in SIZES:
        print(f"{n:,} projects: generating…", flush=True)
        s = {"n": n, "generate_s": scratch.generate_projects(n), "load": [os.getloadavg()[0]]}
        s["results"] = measure(n)
        s["load"].append(os.getloadavg()[0])
        sections.append(s)
    text = section(sections)
    connection.close()
    print("wrote", scratch.write_section(START, END, text))
    if os.environ.get("BENCH_KEEP"):
        print("kept", BENCH_DB)
        return
    scratch.drop_database(BENCH_DB, DSN)


if __name__ == "__main__":
    main()
