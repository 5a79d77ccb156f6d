"""List benchmark (issue 19): the /projects/ page and the API's project list, each request taking
turns with its raw-SQL floor in the same run.

    make bench BENCH_PARTS=list                      # 10^4 projects
    BENCH_SIZES=10000,1000000 make bench BENCH_PARTS=list

Works on its own scratch database, <DATABASE_URL's name>_bench_list, dropped and created here (the
database it is given is never written). Projects are generated with INSERT ... SELECT over
generate_series (fabricated load, not business writes). For each size, through the Django test
client with the full middleware stack (the page logged in as city staff, the API with a token of
`api_reader`), each case REPEAT times in rounds of BATCH requests taking turns with the others:

- /projects/ unfiltered, filtered (region + stage + signing year), searched, sorted by amount and
  its page 200, each next to bench/api_urls.html_floor: the same totals (counted up to 10,001 rows
  like the page) and the page's 25 rows with their names in hand-written SQL, as JSON;
- the pipeline board /projects/board/, unfiltered and for one region, next to
  bench/api_urls.board_floor (per stage the same capped totals and 50 cards, two statements), and
  the unfiltered board against the unfiltered list page (issue 23: within 2× the list page);
- the API's first page (page numbers), a later cursor page and a filtered page, next to
  bench/api_urls.floor: the page's 50 rows in hand-written SQL, as JSON;
- for context (no budget), the naive peer: a plain DRF ModelSerializer with PageNumberPagination
  over the same rows (bench/api_urls.NaiveProjectList), next to the same floor.

Writes its section of docs/PERFORMANCE.md (between its markers). Sizes from BENCH_SIZES (default
10000); BENCH_RUNS requests per row (default 60); BENCH_KEEP=1 keeps the database.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from bench import scratch  # noqa: E402

# A load test of one token must not be throttled (the throttle still runs: its cost is measured).
BENCH_DB, DSN = scratch.open_database("_bench_list", API_THROTTLE_USER="100000000/min")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REPEAT = int(os.environ.get("BENCH_RUNS", "60"))
BATCH = 10  # requests per case per round; the cases take turns (see in_process)
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip()]
START = "<!-- list-bench:start (written by bench/list_bench.py) -->"
END = "<!-- list-bench:end -->"

FILTERS = "region=140702&stage=signed&signed_from=2021-01-01&signed_to=2021-12-31"
SEARCH = "q=%E9%A1%B9%E7%9B%AE123"  # 项目123: ~11 names at 10^4, ~1,100 at 10^6
# name: (what a user requests, its floor, the budget for p95 / floor p95)
CASES = {
    "page: unfiltered": ("/projects/", "/bench/floor/html/", 3.0),
    "page: region + stage + year": (
        f"/projects/?{FILTERS}",
        f"/bench/floor/html/?{FILTERS}",
        3.0,
    ),
    "page: search": (f"/projects/?{SEARCH}", f"/bench/floor/html/?{SEARCH}", 3.0),
    "page: sort by amount": ("/projects/?sort=-amount", "/bench/floor/html/?sort=-amount", 3.0),
    "page: page 200": ("/projects/?page=200", "/bench/floor/html/?page=200", 3.0),
    # The pipeline board (issue 23): 7 columns of the list's totals and 50 cards each.
    "board: unfiltered": ("/projects/board/", "/bench/floor/board/", 3.0),
    "board: region": ("/projects/board/?region=140702", "/bench/floor/board/?region=140702", 3.0),
    "API: first page (page numbers)": (
        "/api/v1/projects/?page_size=50",
        "/bench/floor/?count",
        2.5,
    ),
    "API: a later cursor page": (None, None, 2.5),  # filled in from a walk (see in_process)
    "API: filtered (page numbers)": (
        f"/api/v1/projects/?{FILTERS}&page_size=50",
        f"/bench/floor/?{FILTERS}&count",
        2.5,
    ),
    "API: filtered (cursor)": (
        f"/api/v1/projects/?{FILTERS}&cursor=&page_size=50",
        f"/bench/floor/?{FILTERS}",
        2.5,
    ),
    # Context, no budget: what the count adds to the page-number floor (its rows alone, against
    # its rows and the count; until 2026-12-07 the page-number rows' floor left the count out).
    "context: the API page-number floor's rows alone, against rows and count": (
        "/bench/floor/",
        "/bench/floor/?count",
        None,
    ),
    # Context, no budget: a plain DRF ModelSerializer + PageNumberPagination list of the same rows.
    "naive DRF peer: first page (ModelSerializer, PageNumberPagination)": (
        "/bench/naive/?page_size=50",
        "/bench/floor/",
        None,
    ),
}


# --- data ---------------------------------------------------------------------------------------------
def generate(n: int) -> float:
    """Replace the projects with n generated ones (bench.scratch.generate_projects, shared with the
    pages part)."""
    from bench import scratch

    return scratch.generate_projects(n)


# --- measuring ----------------------------------------------------------------------------------------


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


def in_process(page_client: Client, api_headers: dict) -> dict[str, dict]:
    """Every case and every floor `REPEAT` times, in rounds of `BATCH` requests each taking turns:
    a slow moment of a shared machine falls on a path and its floor alike."""
    with override_settings(ROOT_URLCONF="bench.api_urls", ALLOWED_HOSTS=["testserver"]):
        api = Client()
        cursor = "/api/v1/projects/?cursor=&page_size=50"
        for _ in range(3):  # page 4 of the walk: a real cursor
            cursor = api.get(cursor, headers=api_headers).json()["next"].split("testserver")[-1]
        before = api.get(cursor, headers=api_headers).json()["results"][0]["id"] + 1
        cases = dict(CASES)
        cases["API: a later cursor page"] = (cursor, f"/bench/floor/?before={before}", 2.5)
        runs = {}  # (name, is_floor) -> (url, client, headers)
        for name, (url, floor, _budget) in cases.items():
            page = name.startswith(("page", "board"))  # signed-in pages
            runs[(name, False)] = (url, page_client if page else api, {} if page else api_headers)
            runs[(name, True)] = (floor, api, {})
        for url, client, headers in runs.values():  # warm
            for _ in range(3):
                client.get(url, headers=headers)
        times = {key: [] for key in runs}
        queries = {}
        for _ in range(max(1, REPEAT // BATCH)):
            for key, (url, client, headers) in runs.items():
                queries[key] = measure(client, url, headers, times[key])
    results = {}
    for name, (url, _floor, budget) in cases.items():
        r = scratch.stats(times[(name, False)])
        f = scratch.stats(times[(name, True)])
        results[name] = {
            **r,
            "queries": queries[(name, False)],
            "floor": f,
            "ratio": r["p95"] / f["p95"],
            "budget": budget,
            "url": url,
        }
        print(
            f"  {name}: {r['median']:.1f} / {r['p95']:.1f} ms, {queries[(name, False)]} q; "
            f"floor {f['median']:.1f} / {f['p95']:.1f} ms; {r['p95'] / f['p95']:.2f}×",
            flush=True,
        )
    return results


# --- report -------------------------------------------------------------------------------------------


def section(sections: list[dict]) -> str:
    sizes = ", ".join(f"{s['n']:,}" for s in sections)
    lines = [
        START,
        "",
        "## Project list: the page and the API (bench/list_bench.py)",
        "",
        f"Measured by `make bench BENCH_PARTS=list` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} "
        f"UTC, commit {scratch.commit() or '?'}, sizes {sizes}; {scratch.machine()}. Through the Django test client with the full middleware "
        f"stack; {REPEAT} requests per row and as many of its floor, in rounds of {BATCH} taking "
        "turns. Times in ms. Queries: of a repeated request, the page's session and user and "
        "the API's token lookup included.",
        "",
    ]
    for s in sections:
        lines += [
            f"### {s['n']:,} projects (generated in {s['generate_s']:.0f} s; load average "
            f"{s['load'][0]:.1f} → {s['load'][1]:.1f} on 2 cores)",
            "",
            "| request | median | p95 | queries | floor median | floor p95 | p95 / floor p95 "
            "| budget |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, r in s["results"].items():
            if r["budget"] is None:
                budget = "— (context)"
            else:
                verdict = "met" if r["ratio"] <= r["budget"] else "NOT met"
                if name.startswith("API") and r["queries"] > 3:
                    verdict += f", {r['queries']} queries > 3"
                budget = f"≤ {r['budget']:g}× ({verdict})"
            lines.append(
                f"| {name} (`{r['url']}`) | {r['median']:.1f} | {r['p95']:.1f} | {r['queries']} "
                f"| {r['floor']['median']:.1f} | {r['floor']['p95']:.1f} | {r['ratio']:.2f}× "
                f"| {budget} |"
            )
        lines.append("")
        res = s["results"]
        if "board: unfiltered" in res and "page: unfiltered" in res:
            ratio = res["board: unfiltered"]["p95"] / res["page: unfiltered"]["p95"]
            lines += [
                f"Board vs list: p95 of the unfiltered board / p95 of the unfiltered list page = "
                f"{ratio:.2f}× (budget ≤ 2×: {'met' if ratio <= 2 else 'NOT met'}).",
                "",
            ]
    if len(sections) > 1:
        first, last = sections[0]["results"], sections[-1]["results"]
        flat = ", ".join(f"{name} {last[name]['p95'] / first[name]['p95']:.2f}×" for name in first)
        lines += [f"Growth of p95 from the smallest to the largest size: {flat}.", ""]
    else:
        lines += [
            f"Only {sections[0]['n']:,} projects were run here: flatness (10^6 / 10^4 ≤ 1.5) is not "
            "judged by this run.",
            "",
        ]
    lines += [*NOTES.strip("\n").splitlines(), "", END, ""]
    return "\n".join(lines)


NOTES = """
Floors: the page's is its totals and its 25 rows with their names in two hand-written statements
(bench/api_urls.html_floor), sent as JSON: no template, no form, no session. The API's is its 50
rows in one statement with each name read by a scalar subquery (the fastest raw SQL found for this
page, bench/api_urls.floor), as JSON; for the page-number rows also the count those pages answer
with (up to 10,001 rows, as the API counts; left out until 2026-12-07, the context row gives the
rows alone against rows and count). The page reads in 9 queries whatever the filters: the session
and its user, the saved views, the totals (a count and sum that stop at 10,001 rows), the page's
rows (its ids a subquery sorted and sliced on the projects table by the index for the order, each
name a scalar subquery), and the form's regions, chains, parks and methods (two columns each); it
also renders its template (the filter form with its options written in Python, the 25 rows each
one f-string, projects.views._rows_html, and the pager), which its floor does not. The API list
reads the token with its user, the capped count (page numbers only) and the page with its names as
scalar subqueries, as `.values()` dicts: 3 queries, 2 for cursor pages; the region code is resolved inside them. A
join of the projects table with the five relations the API names took PostgreSQL 15-50 ms to plan
(its indexes weighed in every join order), the page itself well under 1 ms to run: hence the
subqueries (core/related.py). The naive peer is a plain DRF ModelSerializer with PageNumberPagination
(exact COUNT(*)) over the same scoped rows with select_related (bench/api_urls.NaiveProjectList),
next to the API's floor; it has no budget. The board's floor is its per-stage totals and 50 cards a
stage with their names in two hand-written statements (bench/api_urls.board_floor); the board page
reads them in 9 queries whatever the number of projects (the session and user, the saved views,
every column's capped totals in one statement, every column's page of cards in one as values with
their names, the form's four lists; before issue 23's rework 16 up to 10,000 and 23 beyond: a page of
ids per column, and beyond 10,000 a capped count per column) and renders up to 350 cards (no model
instances; each card's HTML one f-string in Python, its texts escaped, projects.views._cards_html;
each editor's "移动到…" menu copied in by board.js from one template), the list's whole filter form (one include) and its saved views.
Each column's capped count reads `project_stage_order` (stage, registered_on DESC, id DESC)
INCLUDE (planned_investment), index-only, and its page of ids walks the same index; before that
index a stage of fewer than 10,001 rows was counted by reading the whole table. A county's board
counts through `rollup_prj_stage_cell` (region, stage, …) INCLUDE (…, planned_investment),
index-only; its columns' pages read the region's rows at each stage (a bitmap) and sort them.
"""


def main() -> None:
    call_command("migrate", verbosity=0)
    from accounts import services
    from accounts.models import User
    from demo import loader

    loader.load_reference()
    loader.load_demo_users(password="demo12345")  # noqa: S106  # nosec B106 (bench-only)
    reader = User.objects.get(username="api_reader")
    _token, plain = services.api_token_create(user=reader, by=reader, expires_in=None)
    api_headers = {"Authorization": f"Token {plain}"}
    page_client = Client()
    page_client.force_login(User.objects.get(username="city_staff"))

    sections = []
    for n in SIZES:
        print(f"{n:,} projects: generating…", flush=True)
        s = {"n": n, "generate_s": generate(n), "load": [os.getloadavg()[0]]}
        s["results"] = in_process(page_client, api_headers)
        s["load"].append(os.getloadavg()[0])
        sections.append(s)
    text = section(sections)
    connection.close()
    print("wrote", scratch.write_section(START, END, text))
    if os.environ.get("BENCH_KEEP"):  # to EXPLAIN the cases' queries afterwards
        print("kept", BENCH_DB)
        return
    scratch.drop_database(BENCH_DB, DSN)


if __name__ == "__main__":
    main()
