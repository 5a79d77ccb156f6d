"""Issue 22's acceptance audit: what the other tests of the 通报 leave unchecked. On the demo data,
the county table's % of target, rank and 开工率 columns equal the targets, the /scores/ page and
the rollups; the size sentence (亿元+ / 5亿+ / 10亿+) equals a count over the projects; the
"change since the last period" section states the period's additions and the rank moves; and the
API lists the same archive and hands back the same file as /reports/."""

import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from docx import Document
from rest_framework.test import APIClient

from accounts.services import api_token_create
from core.periods import Period
from projects.models import Project
from scoring import services
from scoring.indicators import region_figures, scored_regions
from scoring.periods import assessment_period, period_query
from scoring.selectors import compute_scores
from targets.models import Target

Q1, Q2 = assessment_period(2023, "q1"), assessment_period(2023, "q2")


@pytest.fixture
def demo(demo_data, db):
    return None


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.1'), ROUND_HALF_UP)}"


def _read(document) -> tuple[list[str], list[list[str]]]:
    doc = Document(io.BytesIO(bytes(document.content)))
    return [p.text for p in doc.paragraphs], [[c.text for c in r.cells] for r in doc.tables[0].rows]


def _page_ranks(client, period: Period) -> dict[str, int]:
    page = client.get(reverse("scoring:scores"), period_query(period)).content.decode()
    rows = re.findall(
        r'data-testid="score-rank">(\d+).*?data-testid="score-region">([^<]+)<', page, re.S
    )
    return {name.strip(): int(rank) for rank, name in rows}


def test_the_county_tables_target_rank_and_start_rate_columns_equal_the_page_and_rollups(
    demo, demo_users, client
):
    document = services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    _text, table = _read(document)
    header, rows = table[0], table[1:-1]
    assert header[3:] == ["完成目标(%)", "时序进度(%)", "考评排名", "开工率(%)"]
    client.force_login(demo_users["leader"])
    ranks = _page_ranks(client, Q1)
    assert len(ranks) == 12
    figures = region_figures(Q1)
    by_name = {r.name: (figures.regions[r.pk], r.pk) for r in scored_regions()}
    targets = {t.region_id: t for t in Target.objects.filter(year=2023)}
    assert [r[0] for r in rows] == sorted(ranks, key=lambda name: ranks[name])
    for name, _n, _amount, done, elapsed, rank, start_rate in rows:
        one, pk = by_name[name]
        goal = targets.get(pk) and targets[pk].signed_amount
        assert done == _pct(one.signed_amount * 100 / goal if goal else None), name
        assert elapsed == "25.0"
        assert int(rank) == ranks[name], name  # the rank the leader sees at /scores/
        rate = (
            Decimal(one.signed_started_count) * 100 / one.signed_count if one.signed_count else None
        )
        assert start_rate == _pct(rate), name


def _counted_amounts(period: Period) -> list[Decimal]:
    """An oracle sharing nothing with the rollups: the planned investment of every project
    signed (formal contract) from 1 January to the period's end (the figures are cumulative)."""
    out = []
    for p in Project.objects.prefetch_related("signings"):
        kinds = {s.agreement_kind for s in p.signings.all()}
        in_period = p.signed_on and dt.date(period.year, 1, 1) <= p.signed_on <= period.end
        if in_period and ("formal" in kinds or not kinds):
            out.append(p.planned_investment)
    return out


def test_the_size_sentence_and_the_change_since_the_last_period_are_right(demo, demo_users):
    amounts = _counted_amounts(Q2)
    q1_text, _ = _read(services.bulletin_generate(by=demo_users["city_staff"], period=Q1))
    q2_text, _ = _read(services.bulletin_generate(by=demo_users["city_staff"], period=Q2))
    ge = {yi: sum(a >= yi * 10000 for a in amounts) for yi in (1, 5, 10)}
    assert f"亿元以上项目{ge[1]}个,5亿元以上{ge[5]}个,10亿元以上{ge[10]}个。" in "".join(q2_text)
    # Q1 follows 2022 Q4, scored by no scheme (the demo's is in force from 2023): said in words,
    # not as three empty lists of moves.
    q1_change = q1_text[q1_text.index("二、与上期相比") + 1]
    assert q1_change.startswith("上期(2022年四季度)无数据") or q1_change.endswith(
        "上期未进行考评排名,本期排名不作比较。"
    ), q1_change
    assert "上升的有:无;下降的有:无;持平的有:无" not in q1_change
    # Q2 against Q1: the additions, and each county's move as the two rankings have it.
    change = q2_text[q2_text.index("二、与上期相比") + 1]
    q1_city, q2_city = region_figures(Q1).city, region_figures(Q2).city
    added = q2_city.signed_count - q1_city.signed_count
    assert change.startswith(f"与上期(2023年一季度)相比,本期全市新增签约项目{added}个、")
    before = {row.name: row.rank for row in compute_scores(Q1).rows}
    after = {row.name: row.rank for row in compute_scores(Q2).rows}
    for name in after:
        if after[name] < before[name]:
            assert f"{name}(上升{before[name] - after[name]}位)" in change
        elif after[name] > before[name]:
            assert f"{name}(下降{after[name] - before[name]}位)" in change
    assert "持平的有:" in change


def test_the_api_gives_the_same_documents_as_the_archive(demo, demo_users, client):
    bulletin = services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    letters = services.reminders_generate(by=demo_users["city_staff"], period=Q1)
    official = demo_users["yuci_official"]  # a county official reads the city's documents
    _token, plain = api_token_create(user=official, by=official)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    listed = api.get("/api/v1/reports/").json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert {item["id"] for item in items} == {bulletin.pk, *(d.pk for d in letters)}
    item = next(i for i in items if i["id"] == bulletin.pk)
    assert (item["kind"], item["year"], item["period"]) == ("bulletin", 2023, "q1")
    assert item["generated_by"] == "city_staff" and item["sha256"] == bulletin.sha256
    via_api = api.get(f"/api/v1/reports/{bulletin.pk}/download/")
    client.force_login(official)
    via_page = client.get(reverse("scoring:report_download", args=[bulletin.pk]))
    assert via_api.status_code == via_page.status_code == 200
    assert b"".join(via_api.streaming_content if via_api.streaming else [via_api.content]) == (
        via_page.content
    )
    assert via_page.content == bytes(bulletin.content)


def test_the_archive_names_its_columns_for_documents(demo, demo_users, client):
    """/reports/ heads its first column 文件标题 (it once read 活动名称, the events' wording), and
    shows each document's kind, maker and time also on a phone, under the title."""
    services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    client.force_login(demo_users["yuci_official"])
    page = client.get(reverse("scoring:reports")).content.decode()
    assert "<th>文件标题</th>" in page and "活动名称" not in page
    meta = re.search(r'data-testid="report-meta">([^<]+)<', page).group(1)
    assert meta.startswith("通报 · 市招商中心 · ")


def test_a_county_official_drills_into_their_own_county_only(demo, demo_users, client):
    """An official reads every county's scores, but the project list shows only their county: the
    other counties' figures carry no link that would open an empty list under a figure of 5."""
    client.force_login(demo_users["yuci_official"])
    page = client.get(reverse("scoring:scores"), period_query(Q1)).content.decode()
    rows = dict(re.findall(r'data-region="([^"]+)">(.*?)</tr>', page, re.S))
    assert len(rows) == 12
    links = {
        code: re.findall(r'<a [^>]*href="(/projects/[^"]+)"', row) for code, row in rows.items()
    }
    assert all("region=140702" in link for link in links["140702"]) and len(links["140702"]) >= 7
    assert not any(links[code] for code in rows if code != "140702")
    other = rows["140725"]  # 寿阳: its figures are shown, with why they are not links
    assert re.search(r'<span data-testid="cell-signed_count" title="只能查看[^"]*">5<', other)
    listed = client.get(links["140702"][1].replace("&amp;", "&"))  # 榆次's signed count
    shown = re.search(r'data-testid="cell-signed_count"[^>]*>(\d+)<', rows["140702"]).group(1)
    assert listed.context["totals"]["count"] == int(shown)


def test_publishing_and_generating_on_the_pages_are_city_staffs(demo, demo_users, client):
    """The publish and generate buttons post to views only city staff may use; a published
    period then shows 已发布 with its scheme version to every reader."""
    from scoring.models import Publication, ReportDocument

    data = {"year": "2023", "period": "q1"}
    for name in ("leader", "yuci_official", "yuci_staff"):
        client.force_login(demo_users[name])
        assert client.post(reverse("scoring:publish"), data).status_code == 403
        assert client.post(reverse("scoring:generate"), data).status_code == 403
    assert not Publication.objects.exists() and not ReportDocument.objects.exists()
    client.force_login(demo_users["city_staff"])
    assert client.post(reverse("scoring:publish"), data).status_code == 302
    assert client.post(reverse("scoring:generate"), dict(data, kind="reminders")).status_code == 302
    publication = Publication.objects.get()
    assert (publication.year, publication.period, publication.scheme.version) == (2023, "q1", 1)
    assert ReportDocument.objects.filter(kind="reminder").exists()
    client.force_login(demo_users["yuci_official"])
    page = client.get(reverse("scoring:scores"), period_query(Q1)).content.decode()
    assert "已发布" in page and "方案第1版" in page


def test_each_ratio_cell_shows_its_share_of_the_prorated_target(demo, demo_users, client):
    """The columns are headed 完成率: under each figure the page says how much of the target it
    is (the year's target prorated to the period), as the points are computed from."""
    client.force_login(demo_users["leader"])
    page = client.get(reverse("scoring:scores"), period_query(Q1)).content.decode()
    row = page.split('data-region="140702"', 1)[1].split("</tr>", 1)[0]
    shown = re.search(r'data-testid="ratio-signed_count">完成目标([\d.]+)%<', row).group(1)
    yuci = next(r for r in scored_regions() if r.code == "140702")
    target = Target.objects.get(region=yuci, year=2023).signed_count * Decimal(3) / 12
    count = region_figures(Q1).regions[yuci.pk].signed_count
    assert Decimal(shown) == (count * 100 / target).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert 'data-testid="ratio-start_rate"' not in row  # a share already
