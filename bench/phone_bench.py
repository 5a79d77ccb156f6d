"""Phone bench: the city dashboard's first load at 390 px on a slow mobile network.

    make bench BENCH_PARTS=phone
    .venv/bin/python bench/phone_bench.py [--runs 3]

Not a test: it prints its figures and writes them into docs/PERFORMANCE.md, section "First load on a
phone" (between the PHONE_START / PHONE_END markers; bench/run.py keeps that section when it rewrites
the rest of the file; --no-write only prints). Both servers
run here on 127.0.0.1, one after the other, on the same scratch SQLite database with the demo data
(made in a temporary folder; the project's own databases are not touched):

- `make run`'s server: `manage.py runserver` with DEBUG on (the embedded default), static files served
  from static/ by whitenoise's runserver hook;
- production's: gunicorn (2 workers) with DEBUG off, static files collected (collectstatic into
  STATIC_ROOT, compressed and hashed) and served by whitenoise.

For each server and run: a fresh Chromium context (390 x 844, zh-CN) logs in as `leader`, the
browser cache is cleared, Chromium's CDP Network.emulateNetworkConditions sets 150 ms latency,
1.6 Mbps down and 750 kbps up, and /dashboards/ is loaded. Reported: DOMContentLoaded, "charts
drawn" (every .dash-chart container holds the canvas or svg ECharts drew in it: the map's comes
after its GeoJSON), and the bytes transferred (CDP encodedDataLength: headers and bodies as sent)
up to then, with the requests' count. Medians of --runs runs (default 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess  # nosec B404 (our own manage.py and gunicorn, fixed argv)
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
USER, PASSWORD = "leader", os.environ.get("DEMO_PASSWORD", "demo12345")

# Chromium's throughput is in bytes per second.
NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
CHARTS_DRAWN = """() => {
  const els = Array.from(document.querySelectorAll('.dash-chart'));
  if (!els.length || !els.every(e => e.querySelector('canvas, svg'))) return false;
  window.__chartsDrawn = window.__chartsDrawn || performance.now();
  return true;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(sqlite: Path, *, debug: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SQLITE_PATH=str(sqlite),
        DEBUG="1" if debug else "0",
        DEMO="1",
        HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY=env.get("SECRET_KEY") or "phone-bench-only-secret-key-0123456789abcdefghij",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    """Run a manage.py command quietly; its output is shown only if it fails."""
    done = subprocess.run(  # nosec B603
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _wait_up(url: str, proc: subprocess.Popen, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 # nosec B310 (127.0.0.1)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {deadline_s} s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _measure(browser, base: str) -> dict[str, float]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/**")

    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    sent: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sent.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(f"{base}/dashboards/", wait_until="domcontentloaded")
    page.wait_for_function(CHARTS_DRAWN, polling="raf", timeout=120_000)
    nav = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return {dcl: n.domContentLoadedEventEnd, drawn: window.__chartsDrawn}; }"
    )
    result = {
        "dcl": nav["dcl"] / 1000,
        "drawn": nav["drawn"] / 1000,
        "bytes": sum(sent.values()),
        "requests": len(sent),
        "errors": len(errors),
    }
    context.close()
    return result


def _bench(browser, base: str, runs: int) -> dict[str, float]:
    samples = [_measure(browser, base) for _ in range(runs)]
    out = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    out["drawn_all"] = [round(s["drawn"], 2) for s in samples]
    return out


def _print(name: str, r: dict, budget: float) -> None:
    verdict = "met" if r["drawn"] <= budget else "OVER"
    print(
        f"  {name:<26} DOMContentLoaded {r['dcl']:5.2f} s   charts drawn {r['drawn']:5.2f} s"
        f" (runs {r['drawn_all']}; budget {budget} s: {verdict})   "
        f"{r['bytes'] / 1024:7.0f} KiB in {r['requests']:.0f} requests"
        + (f"   console errors: {r['errors']:.0f}" if r["errors"] else "")
    )


PHONE_START = "<!-- phone-bench:start (written by bench/phone_bench.py) -->"
PHONE_END = "<!-- phone-bench:end -->"

# Hand-written remarks, kept with the code so that a rerun writes them again; update with the figures.
REMARKS = [
    "- Before (commit e54f64c: HTML not compressed, the full ECharts bundle, under `make run` no static "
    "file compressed), same bench and profile, load average ~30 on 2 cores: `make run` "
    "DOMContentLoaded 11.03 s, charts drawn 12.21 s, 2,114 KiB in 10 requests; gunicorn + whitenoise "
    "3.83 s, 4.11 s, 563 KiB.",
    "- What changed: GZipMiddleware compresses the pages, and under `make run` also the static files "
    "whitenoise serves from static/ as they are (it sits above whitenoise; collected files carry "
    "their own .gz copies and are left alone); ECharts is a build with only the charts and components "
    "the pages use (static/vendor/README.md: 1.1 MB → 713 KB, 368 → 243 KB gzipped).",
    "- Then (this commit's predecessors): Brotli copies at collectstatic (core/staticfiles.py: quality "
    "11 for the files static/ ships, 5 for third-party apps', no .map), Tabler's CSS trimmed to the "
    "classes the product uses (vendor-src/tabler: 635 → 120 KB, 56 → 17 KB brotli) and the county "
    "GeoJSON preloaded with the page. Under gunicorn + whitenoise, at load ~10: 3.23 s → 2.84 s with "
    "Brotli and the preload alone (408 → 341 KiB); the table above has all three.",
    "- What the bytes are now (brotli, gunicorn + whitenoise): ECharts 199 KB, Tabler's JS 34 KB and "
    "CSS 17 KB, htmx 14 KB, the county GeoJSON, the page. `make run` (runserver) sends gzip from "
    "GZipMiddleware. The link is 200 KB/s: most of what is left is transfer, then 150 ms per round "
    "of requests and CPU.",
]


def _write_section(results: list[tuple[str, dict, float]]) -> Path:
    """Replace (or append) the phone section of docs/PERFORMANCE.md."""
    path = ROOT / "docs" / "PERFORMANCE.md"
    head = subprocess.run(  # nosec B603
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    load = os.getloadavg()[0]
    lines = [
        PHONE_START,
        "",
        "## First load on a phone (bench/phone_bench.py)",
        "",
        f"Measured by `make bench BENCH_PARTS=phone` on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {head or '?'}, load average "
        f"{load:.1f} on 2 cores. The city dashboard at 390 px (zh-CN, logged in as `leader`), first "
        "load with an empty cache, Chromium's network emulation at 150 ms latency, 1.6 Mbps down, "
        '750 kbps up; medians of the runs. "Charts drawn": every chart container holds its '
        "canvas/svg (the map's after its GeoJSON). Bytes as transferred (headers and bodies).",
        "",
        "| server | DOMContentLoaded (s) | charts drawn (s) | runs (s) | budget (s) | transferred |",
        "|---|---|---|---|---|---|",
    ]
    for name, r, budget in results:
        verdict = "met" if r["drawn"] <= budget else "NOT met"
        lines.append(
            f"| {name} | {r['dcl']:.2f} | {r['drawn']:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in r['drawn_all'])} | ≤ {budget} ({verdict}) | "
            f"{r['bytes'] / 1024:,.0f} KiB in {r['requests']:.0f} requests |"
        )
    lines += ["", *REMARKS, "", PHONE_END, ""]
    section = "\n".join(lines)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    if PHONE_START in text and PHONE_END in text:
        before, rest = text.split(PHONE_START, 1)
        after = rest.split(PHONE_END, 1)[1].lstrip("\n")
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="phone_bench_") as tmp:
        sqlite = Path(tmp) / "phone.sqlite3"
        dev_env, prod_env = _env(sqlite, debug=True), _env(sqlite, debug=False)
        print(
            "phone bench: preparing the demo database and collecting static files ...", flush=True
        )
        _manage(dev_env, "migrate", "--noinput", "-v0")
        _manage(dev_env, "load_demo")
        _manage(prod_env, "collectstatic", "--noinput", "-v0")

        servers = [
            (
                "make run (runserver)",
                dev_env,
                lambda port: [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                5.0,
            ),
            (
                "gunicorn + whitenoise",
                prod_env,
                lambda port: [
                    PY,
                    "-m",
                    "gunicorn",
                    "jinzhong_crm.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "2",
                ],  # fmt: skip
                2.5,
            ),
        ]
        print(
            "City dashboard, 390 px, first load after login with an empty cache; "
            "150 ms latency, 1.6 Mbps down, 750 kbps up:"
        )
        results: list[tuple[str, dict, float]] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM)
            try:
                for name, env, argv, budget in servers:
                    port = _free_port()
                    proc = subprocess.Popen(  # nosec B603
                        argv(port),
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    try:
                        base = f"http://127.0.0.1:{port}"
                        _wait_up(f"{base}/healthz", proc)
                        figures = _bench(browser, base, args.runs)
                        _print(name, figures, budget)
                        results.append((name, figures, budget))
                    finally:
                        _stop(proc)
            finally:
                browser.close()
    if not args.no_write:
        print(f"phone bench: wrote {_write_section(results)}")


if __name__ == "__main__":
    main()
