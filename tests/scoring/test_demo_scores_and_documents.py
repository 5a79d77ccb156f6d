"""On the demo data: the indicators equal Python sums over the projects, the /scores/ page ranks
the counties with a what-if that saves nothing, publishing keeps the scheme version, and the
generated 通报 (read back with python-docx) holds the article's headline and a county table equal
to the rollups; two generations are byte-identical once core.xml is normalised."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document

from dashboards import selectors as dashboard_selectors
from dashboards.periods import parse_period
from projects.models import FundsInPlace, Project
from scoring import services
from scoring.indicators import region_figures, scored_regions
from scoring.models import Publication, ReportDocument, ScoringScheme
from scoring.periods import assessment_period

Q1 = assessment_period(2023, "q1")
HEADLINE = "一季度,全市签约项目39个,总投资356.69亿元,预计新开工项目投资额35.78亿元。"


@pytest.fixture
def demo(demo_data, db):
    return None


def _python_sums(start: dt.date, end: dt.date) -> dict[int, dict]:
    """An oracle sharing nothing with the rollups: per region, sums over the live projects."""
    out: dict[int, dict] = {}

    def row(region_id):
        return out.setdefault(
            region_id,
            {
                "n": 0,
                "amount": Decimal(0),
                "oop": 0,
                "foreign": 0,
                "started": 0,
                "expected": 0,
                "funds": Decimal(0),
                "ge10": 0,
            },
        )

    for p in Project.objects.prefetch_related("signings"):
        kinds = {s.agreement_kind for s in p.signings.all()}
        counted = "formal" in kinds or not kinds  # the default caliber, written out
        if p.signed_on and start <= p.signed_on <= end and counted:
            r = row(p.region_id)
            r["n"] += 1
            r["amount"] += p.planned_investment
            r["oop"] += p.is_out_of_province and not p.is_foreign
            r["foreign"] += p.is_foreign
            r["started"] += p.started_on is not None
            r["ge10"] += p.planned_investment >= 100000
        if p.planned_start_on and start <= p.planned_start_on <= end:
            row(p.region_id)["expected"] += p.planned_investment
    for f in FundsInPlace.objects.filter(
        month__gte=start, month__lte=end, project__is_deleted=False
    ):
        row(f.project.region_id)["funds"] += f.amount
    return out


def test_indicators_equal_python_sums_over_the_projects(demo, django_assert_max_num_queries):
    for period in (Q1, assessment_period(2023, "year")):
        region_figures(period)  # the first read of a past day writes its 亮灯 tally
        # Rollups, regions, the red lights' day tally (its mark, its rows), the returns marked
        # false, the locked periods; never the projects' own rows.
        with django_assert_max_num_queries(6):
            figures = region_figures(period)
        expected = _python_sums(dt.date(period.year, 1, 1), period.end)
        for region in scored_regions():
            got, want = figures.regions[region.pk], expected.get(region.pk)
            if want is None:
                assert got.signed_count == 0 and got.funds_amount == 0
                continue
            assert (got.signed_count, got.signed_amount) == (want["n"], want["amount"])
            assert (got.oop_count, got.foreign_count) == (want["oop"], want["foreign"])
            assert got.signed_started_count == want["started"]
            assert got.expected_start_amount == want["expected"]
            assert got.funds_amount == want["funds"]
            assert got.count_at_least(10) == want["ge10"]
    city = region_figures(Q1).city
    assert (city.signed_count, city.signed_amount, city.expected_start_amount) == (
        39,
        Decimal("3566900"),
        Decimal("357800"),
    )


def test_leader_sees_the_ranking_and_a_what_if_reranks_without_saving(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    url = reverse("scoring:scores")
    page = client.get(url, {"year": "2023", "period": "q1"}).content.decode()
    ranking = re.findall(r'data-testid="score-region">([^<]+)<', page)
    assert len(ranking) == 12 and "晋中市" not in ranking
    assert "/projects/?region=" in page and "has_started=true" in page
    # The funds cell leads to the list of the projects with funds in the period, totalled alike.
    funds_cell = re.search(r'<a href="([^"]+)" data-testid="cell-funds"[^>]*>([^<]+)<', page)
    listed = client.get(funds_cell.group(1).replace("&amp;", "&")).content.decode()
    total = re.search(r'data-testid="total-funds">([^<]+)<', listed).group(1)
    assert funds_cell.group(2).removesuffix("亿") in total
    # Put all the weight on the start rate: the ranking changes, the scheme does not.
    whatif = client.get(
        url,
        {
            "year": "2023",
            "period": "q1",
            "what_if": "1",
            "w_signed_amount": "0",
            "w_signed_count": "0",
            "w_start_rate": "100",
            "w_funds": "0",
        },
    ).content.decode()
    assert re.findall(r'data-testid="score-region">([^<]+)<', whatif) != ranking
    assert "rank-change" in whatif
    assert ScoringScheme.objects.count() == 1
    assert ScoringScheme.objects.get().indicators[0]["weight"] == "40"
    # Over 100 in all is refused in Chinese, and the scheme's ranking stays.
    refused = client.get(url, {"year": "2023", "period": "q1", "what_if": "1", "w_funds": "50"})
    assert "权重合计140,超过100" in refused.content.decode()


def test_a_county_official_reads_every_countys_scores(demo, client, demo_users):
    client.force_login(demo_users["yuci_official"])
    page = client.get(reverse("scoring:scores"), {"year": "2023", "period": "q1"}).content.decode()
    assert len(re.findall(r'data-testid="score-row"', page)) == 12
    assert 'data-testid="publish"' not in page  # publishing and generating are city staff's


def test_published_scores_keep_their_scheme_version(demo, demo_users):
    services.scores_publish(by=demo_users["city_staff"], period=Q1)
    publication = Publication.objects.get()
    totals = [row["total"] for row in publication.rows]
    data = dict(services.DEFAULT_SCHEME)
    data["indicators"] = [dict(i, weight="10") for i in data["indicators"]]
    services.scheme_create(by=demo_users["city_staff"], **data)
    from scoring.selectors import published_scores

    table = published_scores(Q1)
    assert table.scheme.version == 1
    assert [str(row.total) for row in table.rows] == totals
    with pytest.raises(Exception, match="已经发布|published already"):
        services.scores_publish(by=demo_users["city_staff"], period=Q1)


def _normalised(content: bytes) -> bytes:
    """The docx with docProps/core.xml's timestamps blanked, re-packed the same way."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1", data)
            dst.writestr(info, data)
    return out.getvalue()


def test_the_q1_bulletin_holds_the_headline_and_a_county_table_equal_to_the_rollups(
    demo, demo_users
):
    first = services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    second = services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    assert _normalised(bytes(first.content)) == _normalised(bytes(second.content))
    doc = Document(io.BytesIO(bytes(first.content)))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "晋中市招商引资服务中心"
    assert "关于2023年一季度全市招商引资工作情况的通报" in text
    assert HEADLINE in text
    assert text[-1] == "2023年3月31日"
    body_fonts = {r.font.name for p in doc.paragraphs if p.text == HEADLINE for r in p.runs}
    assert body_fonts == {"仿宋_GB2312"}
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == [
        "县(市、区)",
        "签约项目(个)",
        "签约投资(亿元)",
        "完成目标(%)",
        "时序进度(%)",
        "考评排名",
        "开工率(%)",
    ]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows[-1][:3] == ["全市合计", "39", "356.69"]
    figures = region_figures(Q1)
    by_name = {r.name: figures.regions[r.pk] for r in scored_regions()}
    for name, count, amount, *_rest in rows[:-1]:
        assert int(count) == by_name[name].signed_count
        assert Decimal(amount) == (by_name[name].signed_amount / 10000).quantize(Decimal("0.01"))
    assert sum(int(r[1]) for r in rows[:-1]) == 39
    assert {r[4] for r in rows} == {"25.0"}  # 时序进度 of Q1
    # The dashboard's figures for the same period are the same.
    dash = dashboard_selectors.dashboard_data(
        period=parse_period({"year": "2023", "quarter": "1"}, default_year=2023)
    )
    assert dash["totals"]["signed_count"] == 39
    assert any(t.startswith("红榜") for t in text) and any(t.startswith("黑榜") for t in text)


def test_a_period_with_no_data_gets_a_document_saying_so(demo, demo_users):
    doc = services.bulletin_generate(
        by=demo_users["city_staff"], period=assessment_period(2019, "q2")
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(bytes(doc.content))).paragraphs)
    assert "暂无招商引资数据" in text


def test_reminder_letters_go_to_units_behind_the_time_elapsed_progress(demo, demo_users, client):
    letters = services.reminders_generate(by=demo_users["city_staff"], period=Q1)
    assert letters, "the demo has units behind 25% in Q1"
    text = "\n".join(p.text for p in Document(io.BytesIO(bytes(letters[0].content))).paragraphs)
    assert "低于时序进度(25.0%)" in text and "书面说明" in text
    # The archive lists them with who generated them; the download is the same file.
    client.force_login(demo_users["leader"])
    page = client.get(reverse("scoring:reports")).content.decode()
    assert letters[0].title in page and "市招商中心" in page or "city_staff" in page
    response = client.get(reverse("scoring:report_download", args=[letters[0].pk]))
    assert response.content == bytes(letters[0].content)
    assert ReportDocument.objects.count() == len(letters)


ANTAI = "安泰集团200万吨精制线材项目"  # signed 2023-02-03, not started: red from 2023-08-02 on


def test_a_past_dashboard_counts_lights_from_the_history_as_of_its_last_day(
    demo, client, demo_users
):
    """安泰's light (red since 2023-08-02) counts on the dashboards of periods that end after that
    day, not before; the card's link lists the same projects, by the same history."""
    antai = Project.objects.get(name=ANTAI)
    assert (antai.light, antai.light_since) == ("red", dt.date(2023, 8, 2))
    client.force_login(demo_users["city_staff"])

    def card(query: str) -> tuple[int, str | None]:
        page = client.get(reverse("dashboards:city") + query).text
        block = page.split('data-region="140781"', 1)[1].split('data-testid="light-red">', 1)[1]
        shown = re.sub(r"<[^>]+>", "", block.split("</span></div>", 1)[0]).strip()
        link = re.search(r'href="([^"]+)"', block.split("</span></div>", 1)[0])
        return int(shown.split()[0]), link and link.group(1).replace("&amp;", "&")

    before, no_link = card("?year=2023&quarter=2")
    assert (before, no_link) == (0, None)
    for query in ("?year=2023&quarter=3", "?year=2024", "?year=2025&month=6"):
        count, link = card(query)
        assert count >= 1 and "light_on=" in link and "light_stage=signed" in link
        listed = client.get(link)
        assert ANTAI in listed.text
        assert listed.context["totals"]["count"] == count
    page = client.get(reverse("dashboards:city") + "?year=2023&quarter=3").text
    assert 'data-testid="light-day"' in page and "2023-09-30" in page


def test_the_red_light_deduction_counts_the_lights_at_the_period_end(demo, client, demo_users):
    jiexiu = Project.objects.get(name=ANTAI).region_id
    q2 = region_figures(assessment_period(2023, "q2")).regions[jiexiu]
    q3 = region_figures(assessment_period(2023, "q3")).regions[jiexiu]
    assert q2.red_lights == 0 and q3.red_lights >= 1
    client.force_login(demo_users["leader"])
    page = client.get(reverse("scoring:scores") + "?year=2023&period=q3").text
    assert "light_on=2023-09-30" in page


def test_a_locked_quarters_bulletin_is_identical_after_a_correction(demo, demo_users):
    """Issue 22: a 通报 of a locked period reads its snapshot, so a correction saved after the
    lock (which moves the live rollups) leaves it byte-identical but for its timestamp."""
    from projects.services import project_update
    from rollups import refresh
    from rollups.locks import period_lock
    from rollups.models import MonthlyRollup

    period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    first = services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    project = Project.objects.filter(
        signed_on__range=(dt.date(2023, 1, 1), dt.date(2023, 3, 31)), is_deleted=False
    ).order_by("pk")[0]
    project_update(
        project=project,
        by=demo_users["admin"],
        signed_on=dt.date(2023, 4, 15),
        correction_reason="签约日期更正",
    )
    refresh.drain_outbox()
    live = MonthlyRollup.objects.filter(month__range=(dt.date(2023, 1, 1), dt.date(2023, 3, 1)))
    assert sum(live.values_list("signed_count", flat=True)) != 39  # the live figure moved
    second = services.bulletin_generate(by=demo_users["city_staff"], period=Q1)
    assert _normalised(bytes(first.content)) == _normalised(bytes(second.content))
    assert HEADLINE in [p.text for p in Document(io.BytesIO(bytes(second.content))).paragraphs]
