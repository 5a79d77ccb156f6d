"""综合考评 and 通报 (issue 22): a city leader opens 考评 from the menu, reads the 2023 Q1 ranking,
drills from a county's figure into the projects behind it, changes a weight in the what-if and
sees the ranking change; city staff generate the 2023 Q1 通报 and download it, and the document
(read back with python-docx) holds the article's headline and the counties' figures the page
showed."""

import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

HEADLINE = "一季度,全市签约项目39个,总投资356.69亿元,预计新开工项目投资额35.78亿元。"


def _open_q1(user) -> None:
    page = user.page
    user.menu("考评")
    form = page.get_by_test_id("period-form")
    user.choose(form.get_by_label("年份"), value="2023")
    user.choose(form.get_by_label("时段"), label="第1季度")
    user.follow(form.get_by_role("button", name="查询"))
    expect(page.locator("h1")).to_contain_text("2023")


def _ranking(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("score-region").all_inner_texts()]


def _counts(page) -> dict[str, int]:
    rows = page.get_by_test_id("score-row")
    return {
        rows.nth(i).get_by_test_id("score-region").inner_text().strip(): int(
            rows.nth(i).get_by_test_id("cell-signed_count").inner_text().strip()
        )
        for i in range(rows.count())
    }


def test_leader_ranks_drills_and_tries_weights_and_staff_generate_the_bulletin(user, tmp_path):
    page = user.page
    user.login("leader")
    _open_q1(user)
    ranking = _ranking(page)
    assert len(ranking) == 12 and "晋中市" not in ranking
    counts = _counts(page)
    assert sum(counts.values()) == 39

    # Drill into the first county's signed projects: the list shows the same count.
    first = page.get_by_test_id("score-row").first
    shown = first.get_by_test_id("cell-signed_count").inner_text().strip()
    scores_url = page.url
    user.follow(first.get_by_test_id("cell-signed_count"))
    expect(page.get_by_test_id("total-count")).to_have_text(shown)
    page.goto(scores_url)  # the browser's back

    # What-if: everything on the start rate. The ranking changes; nothing is saved.
    form = page.get_by_test_id("what-if-form")
    for label, value in (
        ("签约投资完成率", "0"),
        ("签约项目完成率", "0"),
        ("签约项目开工率", "100"),
        ("到位资金完成率", "0"),
    ):
        user.type(form.get_by_label(label), value)
    user.follow(form.get_by_role("button", name="按此权重模拟排名"))
    expect(page.get_by_test_id("score-status")).to_contain_text("模拟")
    assert _ranking(page) != ranking
    expect(page.get_by_test_id("rank-change").first).to_be_visible()
    user.follow(page.get_by_role("link", name="恢复方案权重"))
    assert _ranking(page) == ranking
    user.click(page.get_by_role("button", name="退出"))
    page.wait_for_load_state()

    # City staff generate the 通报 and download it from the archive.
    user.login("city_staff")
    _open_q1(user)
    user.follow(page.get_by_test_id("generate-bulletin"))
    expect(page.get_by_text("通报已生成")).to_be_visible()
    row = page.get_by_test_id("report-row").filter(has_text="2023年一季度").first
    expect(row).to_contain_text("市招商中心")
    with page.expect_download() as download:
        user.click(row.get_by_test_id("report-download"))
    path = tmp_path / "通报.docx"
    download.value.save_as(path)
    doc = Document(io.BytesIO(path.read_bytes()))
    assert HEADLINE in [p.text for p in doc.paragraphs]
    table = [[c.text for c in r.cells] for r in doc.tables[0].rows[1:]]
    assert table[-1][:3] == ["全市合计", "39", "356.69"]
    assert {name: int(n) for name, n, *_rest in table[:-1]} == counts
    assert re.fullmatch(r"\d+", table[0][5])  # the county ranked first has a rank
