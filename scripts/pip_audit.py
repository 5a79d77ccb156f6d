"""`make lint`'s dependency audit: pip-audit over the installed environment (everything pinned in
requirements*.txt), failing on any known vulnerability that is not listed in IGNORED with a reason.

pip-audit asks PyPI's advisory database over the network. Where it cannot be reached (an offline
machine) the audit is skipped with a clear message instead of failing the lint; packages the advisory
service does not know (a private mirror's builds) are listed as not audited.
"""

from __future__ import annotations

import json

# Runs our own venv's pip-audit with a fixed argument list, no shell.
import subprocess  # nosec B404
import sys
from pathlib import Path

# Advisory id -> why it does not apply to us. Keep each entry short and dated.
IGNORED: dict[str, str] = {}

NETWORK_WORDS = (
    "ConnectionError",
    "Max retries",
    "Name or service not known",
    "timed out",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "SSLError",
)


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    # PyPI's JSON API (the per-release /pypi/<name>/<version>/json carries the advisories).
    command = [str(pip_audit), "-s", "pypi", "--format", "json", "--progress-spinner", "off"]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603 # nosec B603
    except subprocess.TimeoutExpired:
        print("pip-audit: SKIPPED - PyPI's advisory database did not answer within 10 minutes.")
        return 0
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        if any(word in proc.stderr for word in NETWORK_WORDS):
            print(
                "pip-audit: SKIPPED - PyPI's advisory database cannot be reached from here "
                "(no network); run `make lint` where PyPI is reachable."
            )
            return 0
        print(proc.stderr.strip() or proc.stdout.strip(), file=sys.stderr)
        return 1
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    unaudited = sorted(d["name"] for d in deps if d.get("skip_reason"))
    audited = len(deps) - len(unaudited)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"pip-audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if deps and audited == 0:
        # Seen on the build machine (2026-11-28): pypi.org answers /simple/ and the project JSON
        # (/pypi/django/json, whose "vulnerabilities" cover only the newest release), but 404s every
        # per-release JSON (/pypi/django/5.2.19/json), which is where pip-audit reads advisories;
        # api.osv.dev (`-s osv`) is not reachable at all. So no pinned version can be checked there.
        print(
            f"pip-audit: SKIPPED - PyPI answered 'not found' for all {len(deps)} pinned releases "
            "(its per-release JSON, /pypi/<name>/<version>/json, which carries the advisories, is "
            "not served through this network); run `make lint` where pypi.org is reachable."
        )
        return 0
    if unaudited:
        print(
            f"pip-audit: {len(unaudited)} of {len(deps)} packages are unknown to the advisory "
            f"service reachable here and were not audited: {', '.join(unaudited)}"
        )
    print(
        f"pip-audit: {audited} packages audited, {len(vulnerable)} with known vulnerabilities"
        + (f"; ignored with reasons: {', '.join(IGNORED)}" if IGNORED else "")
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
