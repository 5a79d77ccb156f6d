"""Every dashboard table as one xlsx workbook (amounts in 万元, exact)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.exports import xlsx_append


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for row in rows:
        xlsx_append(sheet, row)


def dashboard_workbook(data: dict) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = data["period"]
    scope = data["region"].name if data["region"] else _("Jinzhong city")
    _sheet(
        workbook,
        _("Key figures"),
        [
            _("Scope"),
            _("Period"),
            _("Figure"),
            _("Value"),
            _("Year target"),
            _("Completion %"),
            _("Caliber"),
        ],
        [
            [
                scope,
                period.label,
                k["label"] + (" (万元)" if k["money"] else ""),
                k["value"],
                k.get("target"),
                k.get("completion"),
                k.get("note", ""),
            ]
            for k in data["kpis"]
        ],
    )
    _sheet(
        workbook,
        _("County ranking"),
        [
            _("Region"),
            _("Signed projects"),
            _("Signed investment (万元)"),
            _("Expected new-start (万元)"),
            _("New-start investment (万元)"),
            _("Funds in place (万元)"),
            _("Completed investment (万元)"),
        ],
        [
            [
                r["name"],
                r["signed_count"],
                r["signed_amount"],
                r["expected_start_amount"],
                r["started_amount"],
                r["funds_amount"],
                r["completed_amount"],
            ]
            for r in data["ranking"]
        ],
    )
    trend_header = [
        _("Month"),
        _("Signed projects"),
        _("Signed investment (万元)"),
        _("Expected new-start (万元)"),
        _("New-start investment (万元)"),
        _("Funds in place (万元)"),
        _("Completed investment (万元)"),
    ]

    def trend_rows(items):
        return [
            [
                m["label"],
                m["signed_count"],
                m["signed_amount"],
                m["expected_start_amount"],
                m["started_amount"],
                m["funds_amount"],
                m["completed_amount"],
            ]
            for m in items
        ]

    _sheet(workbook, _("By month"), trend_header, trend_rows(data["trend"]))
    _sheet(
        workbook, _("By quarter"), [_("Quarter"), *trend_header[1:]], trend_rows(data["quarters"])
    )
    _sheet(
        workbook,
        _("By industry chain"),
        [
            _("Industry chain"),
            _("Signed projects"),
            _("Signed investment (万元)"),
            _("New-start investment (万元)"),
        ],
        [
            [c["name"], c["signed_count"], c["signed_amount"], c["started_amount"]]
            for c in data["by_chain"]
        ],
    )
    _sheet(
        workbook,
        _("Pipeline"),
        [_("Stage"), _("Projects"), _("Planned investment (万元)")],
        [[f["name"], f["count"], f["amount"]] for f in data["funnel"]],
    )
    _sheet(
        workbook,
        _("Enterprise tiers"),
        [_("Tier"), _("Enterprises"), _("Goal")],
        [[t["name"], t["count"], t["goal"]] for t in data["tiers"]],
    )
    if "top_projects" in data:
        _sheet(
            workbook,
            _("Top 10 projects"),
            [
                _("Rank"),
                _("Project"),
                _("Region"),
                _("Signed on"),
                _("Planned investment (万元)"),
            ],
            [
                [p["rank"], str(p["name"]), p["region"], p["signed_on"], p["amount"]]
                for p in data["top_projects"]["items"]
            ],
        )
    if "recent_events" in data:
        _sheet(
            workbook,
            _("Events and signings"),
            [
                _("Date"),
                _("Event"),
                _("Place"),
                _("Projects signed"),
                _("Amount signed (万元)"),
            ],
            [
                [e["date"], e["title"], e["place"], e["projects"], e["amount"]]
                for e in data["recent_events"]
            ],
        )
    if data.get("indicators"):
        _sheet(
            workbook,
            _("Chain indicators"),
            [
                _("Industry chain"),
                _("Indicator"),
                _("Unit"),
                _("Target"),
                _("Target year"),
                _("Latest"),
                _("Latest year"),
                _("Completion %"),
            ],
            [
                [
                    i["chain_name"],
                    i["name"],
                    i["unit"],
                    i["target"],
                    i["target_year"],
                    i["latest_value"],
                    i["latest_year"],
                    i["percent"],
                ]
                for i in data["indicators"]
            ],
        )
    return workbook
