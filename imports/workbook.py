"""Blank ledger templates (导入模板): Chinese headers, required ones marked, drop-down lists for
region, stage, chain, method and the other closed lists, and one example row. The ledgers that
carry milestone evidence (projects, funds, events) end with the column 佐证材料（压缩包内文件名）,
its note saying how the files in the zip are named."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from enterprises.models import IndustrialPark
from events.models import EventKind

from .columns import STAGE_WORDS, Column
from .evidence import EVIDENCE_EXAMPLE, EVIDENCE_KINDS, EVIDENCE_TEMPLATE_HEADER, template_note
from .models import Kind
from .planning import COLUMNS, SHEET_NAMES

TEMPLATE_ROWS = 5000  # rows the drop-downs cover
NOTES = {
    "money": "金额单位为万元；也可写“3.5亿”“3500万”。",
    "date": "日期可写 2023-02-03、2023/2/3 或 2023年2月3日。",
    "month": "月份可写 2023-03 或 2023年3月。",
    "bool": "填“是”或“否”。",
    "regions": "可填多个县区，用顿号“、”分隔。",
}


def _lists() -> dict[str, list[str]]:
    return {
        "region": [r.name for r in Region.objects.all()],
        "park": [p.name for p in IndustrialPark.objects.all()],
        "chain": [c.name for c in IndustryChain.objects.all()],
        "link": sorted({link.name for link in ChainLink.objects.all()}),
        "method": [m.name for m in PromotionMethod.objects.filter(is_active=True)],
        "regions": [r.name for r in Region.objects.all()],
        "event_kind": [k.name for k in EventKind.objects.filter(is_active=True)],
        "stage": list(STAGE_WORDS.values()),
        "bool": ["是", "否"],
    }


def build_template(kind: str) -> bytes:
    columns: list[Column] = COLUMNS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAMES[kind][0]
    lists_ws = wb.create_sheet("_选项")
    lists_ws.sheet_state = "hidden"
    lists = _lists()
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(columns, 1):
        cell = ws.cell(row=1, column=i, value=col.header + ("*" if col.required else ""))
        cell.font = Font(bold=True)
        if col.required:
            cell.fill = required_fill
        note = NOTES.get(col.parser)
        if col.required:
            note = "必填。" + (note or "")
        if note:
            cell.comment = Comment(note, "晋中招商")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.header) * 2 + 4)
        ws.cell(row=2, column=i, value=col.example if col.example != "" else None)
        options = lists.get(col.parser)
        if col.parser == "choice":
            options = list(col.choices.values())
        if not options:
            continue
        # Long lists live on a hidden sheet: an inline list is limited to 255 characters.
        list_col = get_column_letter(i)
        for r, option in enumerate(options, 1):
            lists_ws.cell(row=r, column=i, value=option)
        dv = DataValidation(
            type="list",
            formula1=f"='_选项'!${list_col}$1:${list_col}${len(options)}",
            allow_blank=not col.required,
            # Several organising counties go in one cell, so that list only suggests.
            showErrorMessage=col.parser != "regions",
            errorTitle="无效的值",
            error=f"请从下拉列表中选择{col.header}。",
        )
        ws.add_data_validation(dv)
        dv.add(f"{list_col}2:{list_col}{TEMPLATE_ROWS}")
    if kind in EVIDENCE_KINDS:
        # Not a field of the record: the files in the zip uploaded beside the ledger that become
        # the row's milestone evidence (imports.evidence reads this column).
        i = len(columns) + 1
        cell = ws.cell(row=1, column=i, value=EVIDENCE_TEMPLATE_HEADER)
        cell.font = Font(bold=True)
        cell.comment = Comment(template_note(kind), "晋中招商", width=300, height=160)
        ws.column_dimensions[get_column_letter(i)].width = 30
        ws.cell(row=2, column=i, value=EVIDENCE_EXAMPLE[kind] or None)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


TEMPLATE_KINDS = [Kind.PROJECTS, Kind.ENTERPRISES, Kind.EVENTS, Kind.FUNDS, Kind.TARGETS]
