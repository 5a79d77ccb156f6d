"""The 通报 and 提醒函 as .docx, laid out after GB/T 9704 (党政机关公文格式): A4 with the
standard margins, the issuing body in red over a red rule, the title in 小标宋 二号, the body in
仿宋_GB2312 三号 at a fixed 28 pt line, headings in 黑体, tables with a bold header row, and the
issuing body and date at the end. The fonts are named, not embedded: the reader's Word supplies
them.

The text is Chinese by nature (an official document of a Chinese city), so its wording lives here
rather than in the UI catalogue. Every figure comes from scoring.indicators (the rollups) and
scoring.selectors (the ranking). The output is deterministic: the date on the document is the
period's end (the day its figures run to), the zip entries carry a fixed timestamp, and the only
thing that differs between two generations of the same figures is the document's own timestamp
in docProps/core.xml."""

from __future__ import annotations

import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from core.models import Region
from core.periods import Period

from .indicators import Figures, region_figures, scored_regions, targets_for
from .periods import elapsed_pct, span, word
from .selectors import compute_scores, published_scores

ISSUER = "晋中市招商引资服务中心"
ADDRESSEES = "各县(市、区)人民政府,晋中开发区管委会:"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
RED = RGBColor(0xFF, 0x00, 0x00)
YI = Decimal(10000)
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def yi(amount) -> str:
    """万元 → 亿元 with 2 decimals (356.69)."""
    return f"{(Decimal(amount or 0) / YI).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


def pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"


def completion(figures: Figures, target) -> Decimal | None:
    """完成进度: the cumulative signed investment as a percentage of the year's target."""
    goal = getattr(target, "signed_amount", None) if target is not None else None
    if not goal:
        return None
    return Decimal(figures.signed_amount) * 100 / Decimal(goal)


def start_rate_pct(figures: Figures) -> Decimal | None:
    rate = figures.start_rate
    return None if rate is None else rate * 100


def chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- layout helpers -------------------------------------------------------------------------------
def _font(run, name: str, size: float, *, bold: bool = False, color: RGBColor | None = None):
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    return run


def _paragraph(
    doc,
    text: str = "",
    *,
    font: str = FANGSONG,
    size: float = 16,
    bold=False,
    align=None,
    indent: bool = True,
    color=None,
):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _red_rule(paragraph) -> None:
    """The red separator line under the issuing body (a bottom border on its paragraph)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "12"),
        ("w:space", "6"),
        ("w:color", "FF0000"),
    ):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _new_document(title: str):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    issuer = _paragraph(
        doc,
        ISSUER,
        font=XIAOBIAOSONG,
        size=26,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _red_rule(issuer)
    _paragraph(doc, indent=False)
    _paragraph(
        doc, title, font=XIAOBIAOSONG, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    _paragraph(doc, indent=False)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, ISSUER, ISSUER
    props.revision = 1
    now = timezone.now().replace(microsecond=0)
    props.created = props.modified = now  # the document's own timestamp
    return doc


def _heading(doc, text: str) -> None:
    _paragraph(doc, text, font=HEITI, size=16)


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), HEITI, 12, bold=True)
    # The header row repeats on every page (表头).
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(text), FANGSONG, 12)


def _signature(doc, day) -> None:
    _paragraph(doc, indent=False)
    _paragraph(doc, ISSUER, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, chinese_date(day), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)


def _bytes(doc) -> bytes:
    """Save, then re-pack the zip with a fixed entry timestamp (python-docx stamps each entry
    with the time of saving), so equal documents are equal bytes but for core.xml."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# --- the 通报 -------------------------------------------------------------------------------------
def headline(period: Period, city: Figures) -> str:
    """「一季度,全市签约项目39个,总投资356.69亿元,预计新开工项目投资额35.78亿元。」 (the source
    article's own punctuation)."""
    return (
        f"{word(period)},全市签约项目{city.signed_count}个,总投资{yi(city.signed_amount)}亿元,"
        f"预计新开工项目投资额{yi(city.expected_start_amount)}亿元。"
    )


def _has_data(figures: Figures) -> bool:
    return any(
        (
            figures.signed_count,
            figures.expected_start_amount,
            figures.funds_amount,
            figures.completed_amount,
        )
    )


def bulletin_title(period: Period) -> str:
    return f"关于{period.year}年{word(period)}全市招商引资工作情况的通报"


def county_rows(period: Period):
    """(region, figures, target, completion %, rank) per reporting unit, ranked as the period's
    scores rank them (published, else computed now), and the city's total."""
    figures = region_figures(period)
    targets = targets_for(period.year)
    table = published_scores(period) or compute_scores(period, figures=figures)
    ranks = {row.region_id: row.rank for row in table.rows}
    rows = [
        (
            region,
            figures.regions[region.pk],
            targets.get(region.pk),
            completion(figures.regions[region.pk], targets.get(region.pk)),
            ranks.get(region.pk),
        )
        for region in scored_regions()
    ]
    rows.sort(key=lambda r: (r[4] or 999, r[0].sort_order))
    return rows, figures.city, table


def bulletin(period: Period) -> tuple[str, bytes]:
    title = bulletin_title(period)
    doc = _new_document(title)
    rows, city, table = county_rows(period)
    _paragraph(doc, ADDRESSEES, indent=False)
    if not _has_data(city):
        _paragraph(
            doc,
            f"截至{chinese_date(period.end)},{period.year}年{word(period)}暂无招商引资数据"
            f"(签约、开工、到位资金、完成投资均为零),本期不作排名通报。",
        )
        _signature(doc, period.end)
        return title, _bytes(doc)
    _paragraph(doc, headline(period, city))
    _paragraph(
        doc,
        f"其中,省外项目{city.oop_count}个、{yi(city.oop_amount)}亿元;外资项目"
        f"{city.foreign_count}个、{yi(city.foreign_amount)}亿元;签约项目开工率"
        f"{pct(start_rate_pct(city))}%;到位资金{yi(city.funds_amount)}亿元;完成投资"
        f"{yi(city.completed_amount)}亿元;亿元以上项目{city.count_at_least(1)}个,5亿元以上"
        f"{city.count_at_least(5)}个,10亿元以上{city.count_at_least(10)}个。"
        f"统计口径:{period.year}年{span(period)}累计,签约项目仅计正式合同。",
    )
    _heading(doc, "一、各县(市、区)完成情况")
    elapsed = elapsed_pct(period)
    body = []
    for region, figures, _target, done, rank in rows:
        body.append(
            [
                region.name,
                str(figures.signed_count),
                yi(figures.signed_amount),
                pct(done),
                pct(elapsed),
                str(rank or "—"),
                pct(start_rate_pct(figures)),
            ]
        )
    targets = targets_for(period.year)
    city_goal = _city_target(targets)
    body.append(
        [
            "全市合计",
            str(city.signed_count),
            yi(city.signed_amount),
            pct(None if not city_goal else Decimal(city.signed_amount) * 100 / city_goal),
            pct(elapsed),
            "—",
            pct(start_rate_pct(city)),
        ]
    )
    _table(
        doc,
        [
            "县(市、区)",
            "签约项目(个)",
            "签约投资(亿元)",
            "完成目标(%)",
            "时序进度(%)",
            "考评排名",
            "开工率(%)",
        ],
        body,
    )
    _heading(doc, "二、与上期相比")
    _paragraph(doc, _changes(period, rows, city))
    _heading(doc, "三、红黑榜")
    red, black = lists(period, rows, table.scheme)
    _paragraph(doc, "红榜(" + _red_list_rule(table.scheme) + "):" + ("、".join(red) or "无") + "。")
    _paragraph(doc, "黑榜(" + _black_rule(table.scheme) + "):" + ("、".join(black) or "无") + "。")
    _heading(doc, "四、工作要求")
    _paragraph(
        doc,
        "各县(市、区)要对照年度目标任务和时序进度,逐项目分析滞后原因,加快签约项目落地开工,"
        "确保按期完成全年招商引资目标任务。",
    )
    _signature(doc, period.end)
    return title, _bytes(doc)


def _city_target(targets) -> Decimal | None:
    """The city's own signed-investment target, else the units' sum (as the dashboards)."""
    city = Region.objects.filter(kind=Region.Kind.CITY).first()
    own = targets.get(city.pk) if city is not None else None
    if own is not None and own.signed_amount:
        return Decimal(own.signed_amount)
    total = sum(
        (Decimal(t.signed_amount) for rid, t in targets.items() if city is None or rid != city.pk),
        Decimal(0),
    )
    return total or None


def _red_list_rule(scheme) -> str:
    lead = scheme.red_list_lead if scheme is not None else Decimal(0)
    if not lead:
        return "完成进度达到或超过时序进度"
    return f"完成进度超过时序进度{lead.normalize():f}个百分点及以上"


def _black_rule(scheme) -> str:
    gap = scheme.black_list_gap if scheme is not None else Decimal(20)
    words = f"落后时序进度{gap.normalize():f}个百分点以上"
    if scheme is None or scheme.black_list_no_signing:
        words += ",或本期无签约项目"
    if scheme is not None and scheme.black_list_red_lights:
        words += f",或期末超时限未开工(红灯)项目{scheme.black_list_red_lights}个及以上"
    return words


def lists(period: Period, rows, scheme) -> tuple[list[str], list[str]]:
    """The red list and the black list by the scheme's rules: ahead of the time-elapsed progress
    by at least its lead (0: at or ahead); behind it by more than its gap, or, if the scheme says
    so, nothing signed in the period or at least so many red lights at the period's end."""
    gap = scheme.black_list_gap if scheme is not None else Decimal(20)
    lead = scheme.red_list_lead if scheme is not None else Decimal(0)
    no_signing = scheme is None or scheme.black_list_no_signing
    red_lights = scheme.black_list_red_lights if scheme is not None else None
    elapsed = elapsed_pct(period)
    red, black = [], []
    for region, figures, _target, done, _rank in rows:
        if done is not None and done - elapsed >= lead:
            red.append(region.name)
        behind = done is not None and elapsed - done > gap
        lit = red_lights is not None and figures.red_lights >= red_lights
        if behind or lit or (no_signing and figures.signed_count == 0):
            black.append(region.name)
    return red, black


def _changes(period: Period, rows, city: Figures) -> str:
    """Ranking against the previous period of the same kind, and, within a year, what the period
    added to the cumulative figures."""
    previous = period.previous()
    before_fig = region_figures(previous)
    label = f"{previous.year}年{word(previous)}"
    if not _has_data(before_fig.city):
        return f"上期({label})无数据,本期不作比较。"
    before_table = published_scores(previous) or compute_scores(previous, figures=before_fig)
    before_rank = {row.region_id: row.rank for row in before_table.rows}
    up, down, same = [], [], []
    for region, _figures, _target, _done, rank in rows:
        old = before_rank.get(region.pk)
        if old is None or rank is None:
            continue
        if old > rank:
            up.append(f"{region.name}(上升{old - rank}位)")
        elif old < rank:
            down.append(f"{region.name}(下降{rank - old}位)")
        else:
            same.append(region.name)
    if not before_rank:
        # No scheme was in force for the previous period: it has figures but no ranking.
        moves = "上期未进行考评排名,本期排名不作比较。"
    else:
        moves = (
            f"考评排名上升的有:{'、'.join(up) or '无'};"
            f"下降的有:{'、'.join(down) or '无'};持平的有:{'、'.join(same) or '无'}。"
        )
    if previous.year == period.year:
        added = (
            f"本期全市新增签约项目{city.signed_count - before_fig.city.signed_count}个、"
            f"签约投资{yi(Decimal(city.signed_amount) - Decimal(before_fig.city.signed_amount))}"
            f"亿元。"
        )
    else:
        added = "本期为年度首期,累计数据自1月起重新计算。"
    return f"与上期({label})相比,{added}{moves}"


# --- the 提醒函 -----------------------------------------------------------------------------------
def reminder_title(period: Period, region: Region) -> str:
    return f"关于{region.name}{period.year}年{word(period)}招商引资工作进度的提醒函"


def reminders(period: Period) -> list[tuple[Region, str, bytes]]:
    """One letter per reporting unit whose completion is below the time-elapsed progress."""
    rows, _city, _table = county_rows(period)
    elapsed = elapsed_pct(period)
    out = []
    for region, figures, target, done, rank in sorted(rows, key=lambda r: r[0].sort_order):
        if done is None or done >= elapsed:
            continue
        title = reminder_title(period, region)
        doc = _new_document(title)
        _paragraph(
            doc,
            f"{region.name}人民政府:" if region.kind != "zone" else f"{region.name}管委会:",
            indent=False,
        )
        behind = elapsed - done
        _paragraph(
            doc,
            f"截至{chinese_date(period.end)},你单位累计签约项目{figures.signed_count}个,签约投资"
            f"{yi(figures.signed_amount)}亿元,完成全年目标任务({yi(target.signed_amount)}亿元)"
            f"的{pct(done)}%,低于时序进度({pct(elapsed)}%){pct(behind)}个百分点;"
            f"签约项目开工率{pct(start_rate_pct(figures))}%,到位资金{yi(figures.funds_amount)}亿元,"
            f"全市考评排名第{rank or '—'}位。",
        )
        _paragraph(doc, "请认真分析原因,于收到本函后10个工作日内书面说明以下事项:")
        _paragraph(doc, "一、目标任务进度滞后的主要原因;")
        _paragraph(
            doc,
            f"二、{figures.red_lights}个超时限未开工(红灯)项目的推进措施和时间节点;"
            if figures.red_lights
            else "二、已签约未开工项目的推进措施和时间节点;",
        )
        _paragraph(doc, "三、下一步在谈项目的签约计划和追赶进度的具体措施。")
        _signature(doc, period.end)
        out.append((region, title, _bytes(doc)))
    return out
