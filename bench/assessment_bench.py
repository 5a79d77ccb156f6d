"""亮灯 recompute and county-assessment benchmark (issues 20 and 22), each next to its floor.

    make bench BENCH_PARTS=assessment                       # 10^4 projects
    BENCH_SIZES=10000,1000000 make bench BENCH_PARTS=assessment

Works on its own scratch database, <DATABASE_URL's name>_bench_assessment, dropped and created here
(the database it is given is never written). Projects are generated with INSERT ... SELECT over
generate_series (the stage mix of bench/run.py: fabricated load, not business writes), then the
rollups are built once by rollups.refresh.rebuild_all.

Rows:
- 亮灯 (issue 20): "changing a rule recomputes every light in one run: ≤ 1.3× a single
  GROUP BY/UPDATE floor". `lights.services.rule_change` (a new rule version, then lights_refresh:
  an INSERT … SELECT of the history rows of the lights that change, one UPDATE of those projects,
  the 督办 items of the new reds and the dashboards' tally) next to one hand-written, committed
  UPDATE … FROM that gives the signed projects the same lights and writes the same history rows
  (no 督办, no tally). The default rule's limits alternate 150/180 ↔ 170/200 days, so every run
  moves the lights of the projects signed between the two limits.
- 考评 (issue 22): "scoring 12 regions × 4 quarters reads only rollups, p95 within 2× the rollup
  read floor". `scoring.selectors.compute_scores` for the year's four quarters (one call each), next
  to its floor: the same rollup SELECTs it ran, replayed on a raw psycopg connection. The tables
  each call reads are listed, so "only rollups" is checked, not assumed.

Writes its section of docs/PERFORMANCE.md (between its markers). BENCH_RUNS scoring calls per
quarter (default 30), BENCH_LIGHT_RUNS rule changes (default 4); BENCH_KEEP=1 keeps the database.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from bench import scratch  # noqa: E402

BENCH_DB, DSN = scratch.open_database("_bench_assessment")

import psycopg2  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
LIGHT_RUNS = int(os.environ.get("BENCH_LIGHT_RUNS", "4"))
# Above this many projects the 亮灯 part does its first computation only (the scoring needs its
# lights) and samples no rule change: ASSESSMENT_LIGHT_SAMPLES_UP_TO=10000 keeps a 10^6 run short.
LIGHT_SAMPLES_UP_TO = int(os.environ.get("ASSESSMENT_LIGHT_SAMPLES_UP_TO", "0")) or None
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000").split(",") if s.strip()]
START = "<!-- assessment-bench:start (written by bench/assessment_bench.py) -->"
END = "<!-- assessment-bench:end -->"
LIGHTS_BUDGET = 1.3  # issue 20: recompute ≤ 1.3× the floor
SCORING_BUDGET = 2.0  # issue 22: p95 ≤ 2× the rollup read floor's p95
YEAR = 2023  # the default scheme is in force from 2023
AS_OF = dt.date(YEAR, 12, 31)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# --- data ---------------------------------------------------------------------------------------------
def generate(n: int) -> float:
    """n projects (bench.scratch.generate_projects, with a funds row for each started one), a
    target per region for YEAR, then the rollups built once."""
    from decimal import Decimal

    from core.models import Region
    from rollups import refresh
    from targets.models import Target

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE lights_lightchange, lights_supervisionitem, lights_lightdaymark, "
            "lights_lightdaytally, rollups_outbox CASCADE"
        )
    start = time.perf_counter()
    scratch.generate_projects(n, funds=True)
    for region in Region.objects.exclude(code="140700"):
        Target.objects.update_or_create(
            region=region,
            year=YEAR,
            defaults={
                "signed_count": max(n // 150, 1),
                "signed_amount": Decimal(n * 40),
                "new_start_amount": Decimal(n * 20),
                "funds_amount": Decimal(n * 8),
            },
        )
    refresh.rebuild_all()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE rollups_monthlyrollup")
    return time.perf_counter() - start


# --- 亮灯 -----------------------------------------------------------------------------------------------
def floor_lights(yellow: int, red: int, rule_id: int) -> int:
    """One statement: an UPDATE … FROM of the signed projects (the stage the rule times) giving
    them the light, reason, since and limit the service gives under these limits (its branches in
    its order: red by the limit, red by a missed planned start, yellow, green), only where they
    change, and the history row of each change (INSERT from the UPDATE's RETURNING), as the
    service records it. Returns the lights changed."""
    with connection.cursor() as cur:
        cur.execute(
            "WITH n AS (SELECT id, light AS previous, "
            "CASE WHEN signed_on <= %(red_on)s THEN 'red' "
            "WHEN planned_start_on < %(as_of)s THEN 'red' "
            "WHEN signed_on <= %(yellow_on)s THEN 'yellow' ELSE 'green' END AS light, "
            "CASE WHEN signed_on <= %(red_on)s THEN 'over_limit' "
            "WHEN planned_start_on < %(as_of)s THEN 'promise_missed' "
            "WHEN signed_on <= %(yellow_on)s THEN 'near_limit' ELSE '' END AS reason, "
            "CASE WHEN signed_on <= %(red_on)s THEN signed_on + %(red)s "
            "WHEN planned_start_on < %(as_of)s THEN planned_start_on + 1 "
            "WHEN signed_on <= %(yellow_on)s THEN signed_on + %(yellow)s ELSE signed_on END "
            "AS since, "
            "CASE WHEN signed_on <= %(red_on)s THEN %(red)s "
            "WHEN planned_start_on < %(as_of)s THEN NULL "
            "WHEN signed_on <= %(yellow_on)s THEN %(yellow)s END AS lim, "
            "CASE WHEN signed_on > %(red_on)s AND planned_start_on < %(as_of)s THEN NULL "
            "ELSE %(rule)s::bigint END AS rule "
            "FROM projects_project WHERE NOT is_deleted AND stage = 'signed'), "
            "u AS (UPDATE projects_project p SET light = n.light, light_reason = n.reason, "
            "light_since = n.since, light_limit = n.lim FROM n "
            "WHERE p.id = n.id AND (p.light, p.light_reason, p.light_since, p.light_limit) "
            "IS DISTINCT FROM (n.light, n.reason, n.since, n.lim) "
            "RETURNING p.id, p.region_id, n.previous, n.light, n.reason, n.since, n.lim, n.rule) "
            "INSERT INTO lights_lightchange (project_id, region_id, previous_light, light, reason, "
            "since, limit_days, stage, rule_id, as_of, recorded_at) SELECT id, region_id, "
            "previous, light, reason, since, lim, 'signed', rule, %(as_of)s, now() FROM u",
            {
                "as_of": AS_OF,
                "red_on": AS_OF - dt.timedelta(days=red),
                "yellow_on": AS_OF - dt.timedelta(days=yellow),
                "red": red,
                "yellow": yellow,
                "rule": rule_id,
            },
        )
        return cur.rowcount


def _open_items() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM lights_supervisionitem WHERE status <> 'closed'")
        return cur.fetchone()[0]


def measure_lights() -> dict:
    from lights import services as light_services
    from lights.models import LightRule

    light_services.ensure_default_rules()
    start = time.perf_counter()
    light_services.lights_refresh(as_of=AS_OF)  # the first computation (and its 督办 items)
    first = time.perf_counter() - start
    first_changed, first_items = _history_rows(), _open_items()
    limits = [(170, 200), (150, 180)]
    samples, floor_samples, moved, floor_moved = [], [], [], []
    for i in range(LIGHT_RUNS):
        yellow, red = limits[i % 2]
        rule = LightRule.objects.get(is_current=True, from_stage="signed", region=None)
        # The floor, there and back, each statement committed as the service's run is: the same
        # light changes the rule change makes, then undoing them (the same rows again), so the
        # rule's own lights stand when the rule change runs.
        for target in ((yellow, red), limits[(i + 1) % 2]):
            start = time.perf_counter()
            with transaction.atomic():
                floor_moved.append(floor_lights(*target, rule.pk))
            floor_samples.append(_ms(time.perf_counter() - start))
        before = _history_rows()
        start = time.perf_counter()
        light_services.rule_change(
            rule=rule, by=None, yellow_days=yellow, red_days=red, as_of=AS_OF
        )
        samples.append(_ms(time.perf_counter() - start))
        moved.append(_history_rows() - before)
    return {
        "first_s": first,
        "first_changed": first_changed,
        "first_items": first_items,
        "recompute": scratch.stats(samples),
        "floor": scratch.stats(floor_samples),
        "moved": moved,
        "floor_moved": floor_moved,
        "samples": samples,
        "floor_samples": floor_samples,
    }


def first_lights_only() -> dict:
    """The first computation alone (ASSESSMENT_LIGHT_SAMPLES_UP_TO): no rule change sampled."""
    from lights import services as light_services

    light_services.ensure_default_rules()
    start = time.perf_counter()
    light_services.lights_refresh(as_of=AS_OF)
    return {"first_s": time.perf_counter() - start, "skipped": True}


def _history_rows() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM lights_lightchange")
        return cur.fetchone()[0]


# --- 考评 -----------------------------------------------------------------------------------------------
TABLE = re.compile(r'(?:FROM|JOIN)\s+"?([a-z_]+)"?', re.IGNORECASE)
# The rollup-like tables: the rollups and their locked snapshots, the returned-as-false tally
# (rollups_*), and the 亮灯 history's day tallies (lights_lightday*). The scoring's floor replays
# every statement that reads them; any other table it reads is listed beside them.
ROLLUP_LIKE = ("rollups_", "lights_lightday")


SOURCE_TABLES = ("projects_project", "verification_milestoneclaim", "lights_lightchange")


def _rollup_like(table: str) -> bool:
    return table.startswith(ROLLUP_LIKE)


def measure_scoring() -> dict:
    from scoring.periods import assessment_period
    from scoring.selectors import compute_scores

    quarters = {f"q{q}": assessment_period(YEAR, f"q{q}") for q in range(1, 5)}
    tables: set[str] = set()
    rollup_sql: dict[str, list[str]] = {}
    queries = {}
    for key, period in quarters.items():
        compute_scores(period)  # the first read of a past day counts its 亮灯 day tally
        with CaptureQueriesContext(connection) as captured:
            table = compute_scores(period)
        assert len(table.rows) == 12, len(table.rows)  # noqa: S101 (a bench sanity check)
        queries[key] = len(captured.captured_queries)
        for q in captured.captured_queries:
            found = set(TABLE.findall(q["sql"]))
            tables |= found
        rollup_sql[key] = [
            q["sql"]
            for q in captured.captured_queries
            if any(_rollup_like(t) for t in TABLE.findall(q["sql"]))
        ]
    raw = psycopg2.connect(dbname=BENCH_DB, **DSN)
    raw.autocommit = True

    def replay(statements: list[str]) -> None:
        with raw.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                cur.fetchall()

    results = {}
    for key, period in quarters.items():
        samples, floor_samples = [], []
        for _ in range(RUNS):  # taking turns, so a slow moment falls on both
            start = time.perf_counter()
            compute_scores(period)
            samples.append(_ms(time.perf_counter() - start))
            start = time.perf_counter()
            replay(rollup_sql[key])
            floor_samples.append(_ms(time.perf_counter() - start))
        results[key] = {
            "scores": scratch.stats(samples),
            "floor": scratch.stats(floor_samples),
            "queries": queries[key],
        }
    raw.close()
    return {"quarters": results, "tables": sorted(tables)}


# --- report ---------------------------------------------------------------------------------------------
def section(sections: list[dict]) -> str:
    sizes = ", ".join(f"{s['n']:,}" for s in sections)
    lines = [
        START,
        "",
        "## 亮灯 recompute and county assessment (bench/assessment_bench.py)",
        "",
        f"Measured by `make bench BENCH_PARTS=assessment` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {scratch.commit() or '?'}, "
        f"sizes {sizes}; {scratch.machine()}. Times in ms.",
        "",
        f"**亮灯 (issue 20):** a rule change recomputes every light in one run "  # noqa: S608 (prose, not SQL)
        f"(`lights.services.rule_change` → `lights_refresh`: the new rule version, one INSERT … "
        f"SELECT of the history rows of the lights that change, one UPDATE … FROM of those "
        f"projects, the 督办 items of the new reds, the dashboards' tally, the commit), next to its "
        f"floor: one hand-written statement that gives the signed projects the same lights "
        f"(`UPDATE … FROM` over a CASE, only where they change) and writes the same history rows "
        f"(an INSERT from the UPDATE's RETURNING), committed; no 督办 query, no tally. The floor "
        f"runs twice per change, there and back (the same rows each way), so the rule's own lights "
        f"stand when the rule change runs. Limits alternate 150/180 ↔ 170/200 days; {LIGHT_RUNS} "
        f"changes, medians. The first computation sets every open project's light and opens a 督办 "
        f"item for every red light (bulk INSERT … SELECT).",
        "",
        "| projects | first computation (s) | lights set / 督办 opened | lights moved per change "
        "(floor) | recompute median | floor median | recompute / floor | budget |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in sections:
        lights = s["lights"]
        if lights.get("skipped"):
            lines.append(
                f"| {s['n']:,} | {lights['first_s']:.1f} | — | — | — | — | rule changes not "
                f"sampled above {LIGHT_SAMPLES_UP_TO:,} projects (ASSESSMENT_LIGHT_SAMPLES_UP_TO) |"
            )
            continue
        a, b = lights["recompute"]["median"], lights["floor"]["median"]
        ratio = a / b if b else float("inf")
        lines.append(
            f"| {s['n']:,} | {lights['first_s']:.1f} "
            f"| {lights['first_changed']:,} / {lights['first_items']:,} "
            f"| {statistics.median(lights['moved']):,.0f} "
            f"({statistics.median(lights['floor_moved']):,.0f}) "
            f"| {a:.1f} | {b:.1f} | {ratio:.2f}× | {scratch.verdict(ratio, LIGHTS_BUDGET)} |"
        )
    lines += [
        "",
        f"**考评 (issue 22):** `scoring.selectors.compute_scores` for each quarter of {YEAR} "
        f"(12 reporting units), {RUNS} calls each, taking turns with its floor: the SELECTs it ran "
        "on rollup-like tables, replayed on a raw psycopg connection. Rollup-like tables are the "
        "rollups (`rollups_*`: the fine cells, the locks and their snapshots, and the "
        "returned-as-false tally the verification services keep) and the 亮灯 history's day "
        "tallies (`lights_lightday*`, kept exact by the history's writers); the deductions are "
        "read from these tallies, so they count in the floor. A first call per quarter counts the "
        "day tally of the quarter's end (not timed).",
        "",
        "| projects | quarter | queries | median | p95 | floor median | floor p95 "
        "| p95 / floor p95 | budget |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in sections:
        for key, r in s["scoring"]["quarters"].items():
            ratio = r["scores"]["p95"] / r["floor"]["p95"] if r["floor"]["p95"] else float("inf")
            lines.append(
                f"| {s['n']:,} | {key} | {r['queries']} | {r['scores']['median']:.1f} "
                f"| {r['scores']['p95']:.1f} | {r['floor']['median']:.1f} "
                f"| {r['floor']['p95']:.1f} | {ratio:.2f}× | {scratch.verdict(ratio, SCORING_BUDGET)} |"
            )
    for s in sections:
        tables = s["scoring"]["tables"]
        other = [t for t in tables if not _rollup_like(t)]
        lines += [
            "",
            f"Tables the scoring read at {s['n']:,} projects: "
            + ", ".join(f"`{t}`" for t in tables)
            + (
                "."
                if not other
                else f". Besides the rollup-like tables: {', '.join(f'`{t}`' for t in other)} "
                "(the scheme, the reporting units and their targets)."
                + (
                    " **It read source tables:** "
                    + ", ".join(f"`{t}`" for t in other if t in SOURCE_TABLES)
                    + "."
                    if any(t in SOURCE_TABLES for t in other)
                    else " No projects, evidence claims or light history."
                )
            ),
        ]
    lines += ["", END, ""]
    return "\n".join(lines)


def main() -> None:
    call_command("migrate", verbosity=0)
    from demo import loader
    from scoring.services import scheme_create_default

    loader.load_reference()
    scheme_create_default()
    sections = []
    for n in SIZES:
        print(f"{n:,} projects: generating and building the rollups…", flush=True)
        s = {"n": n, "generate_s": generate(n)}
        print("  lights…", flush=True)
        if LIGHT_SAMPLES_UP_TO is not None and n > LIGHT_SAMPLES_UP_TO:
            s["lights"] = first_lights_only()
        else:
            s["lights"] = measure_lights()
        print("  scoring…", flush=True)
        s["scoring"] = measure_scoring()
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
