"""The readers: a county official (`yuci_official`) and a city leader (`leader`) land on their
dashboards, follow figures to the lists behind them and rank the counties against their targets."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CITY = "晋中市"


def _percent(text: str) -> float:
    return float(text.strip().rstrip("%"))


def _follow_every_figure(user, *, limit: int = 30) -> int:
    """Click each figure of the dashboard in turn; the list behind it shows the same number."""
    page = user.page
    dashboard = page.url
    figures = page.locator("a.figure-link")
    n = figures.count()
    assert n > 0
    followed = 0
    for i in range(min(n, limit)):
        figure = page.locator("a.figure-link").nth(i)
        expect(figure).to_be_visible()
        kind = figure.get_attribute("data-figure")
        shown = figure.inner_text().strip()
        user.follow(figure)
        expect(page.get_by_test_id("total-count")).to_be_visible()
        listed = page.get_by_test_id(f"total-{kind}")  # count, amount, funds or completed
        assert listed.inner_text().strip() == shown, (i, kind, shown, page.url)
        followed += 1
        page.goto(dashboard)  # the browser's back, to the same dashboard
    return followed


def test_county_official_lands_on_their_dashboard_and_every_figure_leads_to_its_list(user):
    page = user.page
    user.login("yuci_official")
    expect(page.locator("h1")).to_contain_text("榆次区")
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    # Figures with no project list behind them (funds in place, negotiations) are plain text.
    assert page.locator("a.figure-link").count() > page.locator("[data-figure=plain]").count()
    assert _follow_every_figure(user) >= 5


def test_county_official_on_the_city_dashboard_is_told_which_figures_are_aggregate_only(user):
    page = user.page
    user.login("yuci_official")
    user.menu("数据看板")
    if "榆次区" in page.locator("h1").inner_text():
        user.follow(page.get_by_role("link", name=re.compile("全市")).first)
    expect(page.locator("h1")).to_contain_text("晋中市")
    locked = page.locator("[data-figure=locked]")
    assert locked.count() > 0
    expect(locked.first).to_have_attribute("title", re.compile("仅|无权"))
    expect(page.get_by_test_id("locked-note")).to_be_visible()
    # What it may open, it can: its own county's row.
    yuci = page.get_by_test_id("ranking-row").filter(has_text="榆次区")
    expect(yuci.locator("a.figure-link").first).to_be_visible()


def test_leader_ranks_counties_by_completion_against_target_and_by_amount(user):
    page = user.page
    user.login("leader")
    expect(page.locator("h1")).to_contain_text("晋中市")
    ranking = page.get_by_test_id("county-ranking")
    expect(ranking).to_be_visible()
    rows = ranking.get_by_test_id("ranking-row")
    assert rows.count() >= 11
    names = [n.strip() for n in ranking.get_by_test_id("county-name").all_inner_texts()]
    assert CITY not in names
    completion = [_percent(t) for t in ranking.get_by_test_id("completion").all_inner_texts()]
    assert completion == sorted(completion, reverse=True)
    for target in ranking.get_by_test_id("target").all_inner_texts():
        assert target.strip() not in ("", "—")
    elapsed = {t.strip() for t in ranking.get_by_test_id("elapsed").all_inner_texts()}
    assert len(elapsed) == 1  # one calendar for every county
    ranks = [int(r) for r in ranking.get_by_test_id("rank").all_inner_texts()]
    assert ranks == list(range(1, len(ranks) + 1))

    user.follow(page.get_by_test_id("rank-by-amount"))
    ranking = page.get_by_test_id("county-ranking")
    amounts = [
        float(a.replace(",", "")) for a in ranking.get_by_test_id("actual").all_inner_texts()
    ]
    assert amounts == sorted(amounts, reverse=True)

    # Drill into a county from its row.
    county = ranking.get_by_test_id("county-name").nth(2)
    name = county.inner_text().strip()
    user.follow(county.get_by_role("link"))
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.get_by_test_id("kpis")).to_be_visible()
