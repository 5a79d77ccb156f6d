"""The statistics page as an Excel workbook (openpyxl)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.exports import safe_cell

from .selectors import ActivityStats, StatsLine

__all__ = ["safe_cell", "stats_workbook"]  # safe_cell: the one formula-injection rule, core.exports


def _header() -> list[str]:
    return [
        _("Promotion activities"),
        _("Projects negotiated at activities"),
        _("Small-team trips"),
        _("Projects negotiated on trips"),
    ]


def _values(line: StatsLine) -> list[int]:
    return [line.activities, line.activity_projects, line.trips, line.trip_projects]


def stats_workbook(stats: ActivityStats, period_label: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("By region")
    bold = Font(bold=True)
    ws.append([safe_cell(_("Activity statistics")), safe_cell(period_label)])
    ws.append([])
    ws.append([_("Region"), *_header()])
    for cell in ws[3]:
        cell.font = bold
    for line in stats.by_region:
        ws.append([safe_cell(line.label), *_values(line)])
    ws.append([_("Total (each event and project counted once)"), *_values(stats.total)])
    for cell in ws[ws.max_row]:
        cell.font = bold
    ws.column_dimensions["A"].width = 28
    for col in "BCDE":
        ws.column_dimensions[col].width = 18

    months = wb.create_sheet(_("By month"))
    months.append([_("Month"), *_header()])
    for cell in months[1]:
        cell.font = bold
    for line in stats.by_month:
        months.append([safe_cell(line.label), *_values(line)])
    months.column_dimensions["A"].width = 12
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
