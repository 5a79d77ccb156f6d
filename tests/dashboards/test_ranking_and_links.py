"""The leader's completion view: demo targets, where leaders and county officials land, the county
ranking against target, and every dashboard figure leading to a project list that shows the same
count and 亿元 total — or saying that the user may read the figure but not open its list."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from django.http import QueryDict
from django.utils import timezone

from core.models import Region
from dashboards.selectors import CITY_CODE
from projects.filtersets import ProjectFilterSet
from projects.models import Project
from rollups.models import RegionMonthRollup
from targets.models import Target

LOCKED_NOTE = "仅可查看汇总数,无权查看项目清单"
FIGURE_LINK = re.compile(
    r'<a class="figure-link" href="([^"]+)" data-figure="(count|amount|funds|completed)">([^<]*)</a>'
)


@pytest.fixture
def demo(dashboard_demo, db):
    return None


@pytest.fixture
def as_user(client, demo_users):
    def login(username: str):
        client.force_login(demo_users[username])
        return client

    return login


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- 1. demo targets -------------------------------------------------------------------------------
def test_demo_sets_2023_and_this_years_targets_for_the_city_and_every_region(demo):
    regions = set(Region.objects.values_list("code", flat=True))
    assert "JZKFQ" in regions and len(regions) == 13  # 11 counties, 晋中开发区, the city
    this_year = timezone.localdate().year
    for year in {2023, this_year}:
        targets = {t.region.code: t for t in Target.objects.filter(year=year)}
        assert set(targets) == regions
        city = targets[CITY_CODE].signed_amount
        counties = sum(t.signed_amount for code, t in targets.items() if code != CITY_CODE)
        assert abs(counties - city) <= city * Decimal("0.05")
        assert all(t.signed_amount > 0 and t.signed_count > 0 for t in targets.values())


def test_the_2023_city_target_is_above_what_the_city_signed_in_2023(demo, as_user):
    response = as_user("leader").get("/dashboards/?year=2023")
    card = next(k for k in response.context["kpis"] if k["key"] == "signed_amount")
    assert card["target"] > card["ytd"] > 0
    assert 0 < card["completion"] < 100
    html = _html(response)
    assert "完成进度" in html and "时序进度" in html


# --- 2. where each user lands ---------------------------------------------------------------------
def _with_password(user, password: str = "demo12345") -> None:
    """The demo users may already exist (the package's demo) with another password."""
    user.set_password(password)
    user.save(update_fields=["password"])


@pytest.mark.parametrize(
    ("username", "lands_on"),
    [
        ("leader", "/dashboards/"),
        ("yuci_official", "/dashboards/140702/"),
        ("city_staff", "/"),
        ("yuci_staff", "/"),
    ],
)
def test_login_form_lands_each_user_on_their_page(db, client, demo_users, username, lands_on):
    _with_password(demo_users[username])
    response = client.post(
        "/accounts/login/", {"username": username, "password": "demo12345"}, follow=True
    )
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200
    if username == "yuci_official":
        assert "榆次区" in response.content.decode()


def test_opening_the_site_address_lands_an_official_on_their_dashboard(db, client, demo_users):
    """The site's root redirects to the login page with next=/: that asks for no page."""
    _with_password(demo_users["yuci_official"])
    login = client.get("/", follow=True).redirect_chain[-1][0]
    response = client.post(login, {"username": "yuci_official", "password": "demo12345"})
    assert response["Location"] == "/dashboards/140702/"


def test_login_keeps_the_page_a_leader_asked_for(db, client, demo_users):
    _with_password(demo_users["leader"])
    response = client.post(
        "/accounts/login/?next=/projects/", {"username": "leader", "password": "demo12345"}
    )
    assert response["Location"] == "/projects/"


# --- 3. county ranking by completion against target ----------------------------------------------
def _rows(response) -> list[dict]:
    return response.context["county_ranking"]


def test_city_ranking_lists_every_county_by_completion_against_target(demo, as_user):
    client = as_user("leader")
    response = client.get("/dashboards/?year=2023")
    rows = _rows(response)
    assert len(rows) == 12 and CITY_CODE not in {r["code"] for r in rows}
    assert "JZKFQ" in {r["code"] for r in rows}
    completions = [r["completion"] for r in rows]
    assert completions == sorted(completions, reverse=True)
    assert [r["rank"] for r in rows] == list(range(1, 13))
    targets = {t.region.code: t.signed_amount for t in Target.objects.filter(year=2023)}
    for row in rows:
        assert row["target_amount"] == targets[row["code"]]
        expected = round(float(row["ytd_amount"] * 100 / targets[row["code"]]), 1)
        assert row["completion"] == expected
        assert row["elapsed"] == 100.0  # a past year has fully elapsed
    html = _html(response)
    table = html[html.index('data-testid="ranking-table"') :]
    table = table[: table.index("</table>")]
    assert "晋中市" not in table
    # Each county's name drills into its dashboard, for the same period.
    assert 'href="/dashboards/140702/?year=2023"' in table


def test_time_elapsed_is_the_share_of_the_year_at_the_period_end(demo, as_user):
    rows = _rows(as_user("leader").get("/dashboards/?year=2023&quarter=1"))
    assert {r["elapsed"] for r in rows} == {24.7}  # 90 of 365 days
    # Completion counts from 1 January to the end of the quarter.
    yuci = next(r for r in rows if r["code"] == "140702")
    assert "signed_from=2023-01-01" in yuci["ytd_url"] and "signed_to=2023-03-31" in yuci["ytd_url"]


def test_the_ranking_can_be_sorted_by_amount_from_a_control_on_the_page(demo, as_user):
    client = as_user("leader")
    html = _html(client.get("/dashboards/?year=2023"))
    link = re.search(r'href="([^"]+)" data-testid="rank-by-amount"', html).group(1)
    response = client.get("/dashboards/" + unescape(link))
    rows = _rows(response)
    amounts = [r["ytd_amount"] for r in rows]
    assert amounts == sorted(amounts, reverse=True)
    assert [r["completion"] for r in rows] != sorted(
        (r["completion"] for r in rows), reverse=True
    )  # the demo's two orders differ, so the control visibly changes the ranking
    assert 'data-testid="rank-by-amount" aria-current="true"' in response.content.decode()


def test_the_city_itself_is_never_a_ranking_row_even_with_city_level_figures(demo, as_user):
    city = Region.objects.get(code=CITY_CODE)
    RegionMonthRollup.objects.create(
        region_id=city.pk, month=dt.date(2023, 5, 1), signed_count=1, signed_amount=10000
    )
    response = as_user("leader").get("/dashboards/?year=2023")
    assert CITY_CODE not in {r["code"] for r in _rows(response)}
    assert CITY_CODE not in {r["code"] for r in response.context["charts"]["ranking"]}


# --- 4. every figure on the county dashboard is a link to the same count and total -----------------
def _figure_links(html: str) -> list[tuple[str, str, str]]:
    return [(unescape(h), kind, text.strip()) for h, kind, text in FIGURE_LINK.findall(html)]


def _list_totals(client, url: str) -> dict[str, str]:
    """The list's totals by figure kind: count, amount (planned investment), and funds /
    completed when the list was asked for those months."""
    html = _html(client.get(url))
    totals = {
        kind: found.group(1).strip()
        for kind in ("count", "amount", "funds", "completed")
        if (found := re.search(rf'data-testid="total-{kind}">([^<]*)<', html))
    }
    totals["count"] = totals["count"].replace(",", "")
    return totals


@pytest.mark.parametrize("username", ["yuci_official", "leader"])
@pytest.mark.parametrize("query", ["year=2023", "year=2023&quarter=1"])
def test_every_county_dashboard_figure_opens_a_list_with_the_same_count_and_total(
    demo, as_user, username, query
):
    client = as_user(username)
    html = _html(client.get(f"/dashboards/140702/?{query}"))
    kpis = html[html.index('data-testid="kpis"') : html.index('id="dashboard-data"')]
    # The KPI cards: every figure is a link (funds in place and completed investment to the
    # projects with amounts in those months, which the list totals).
    assert 'data-figure="plain"' not in kpis
    assert len(_figure_links(kpis)) >= 10
    links = _figure_links(html)
    if username == "yuci_official":
        # Their own county's figures are links; other counties' ranking figures are not.
        links = [link for link in links if "region=140702" in link[0]]
    assert len(links) > 40
    checked = {}
    for url, kind, shown in links:
        parsed = urlparse(url)
        assert parsed.path == "/projects/"
        params = parse_qs(parsed.query)
        assert set(params) <= set(ProjectFilterSet.base_filters), url
        filterset = ProjectFilterSet(QueryDict(parsed.query), queryset=Project.objects.none())
        assert filterset.is_valid(), (url, filterset.errors)
        if url not in checked:
            checked[url] = _list_totals(client, url)
        assert shown == checked[url].get(kind), (url, kind, shown, checked[url])
    # Funds in place, completed investment and projects negotiated are links too.
    assert {kind for _url, kind, _shown in links} == {"count", "amount", "funds", "completed"}
    assert any("negotiating_from" in url for url, _kind, _shown in links)


def test_county_dashboard_figures_are_visibly_underlined_links(demo, as_user):
    html = _html(as_user("yuci_official").get("/dashboards/140702/?year=2023"))
    assert 'class="figure-link"' in html
    with open("static/css/app.css", encoding="utf-8") as css:
        assert re.search(r"a\.figure-link \{[^}]*text-decoration: underline", css.read())


# --- 5. a figure the user may not open as a list says so ------------------------------------------
def test_county_official_on_the_city_dashboard_sees_which_figures_they_may_not_open(demo, as_user):
    html = _html(as_user("yuci_official").get("/dashboards/?year=2023"))
    # No link leads to a list the official would see short: every project-list link is their own.
    for url, _kind, _shown in _figure_links(html):
        assert parse_qs(urlparse(url).query).get("region") == ["140702"], url
    kpis = html[html.index('data-testid="kpis"') : html.index('id="dashboard-data"')]
    assert 'class="figure-link"' not in kpis
    assert kpis.count(LOCKED_NOTE) >= 6  # the city-wide figures, each with its note
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'data-testid="ranking-row" data-region="([^"]+)"(.*?)</tr>', html, re.DOTALL
        )
    }
    assert 'class="figure-link"' in rows["140702"] and LOCKED_NOTE not in rows["140702"]
    assert 'class="figure-link"' not in rows["140703"] and LOCKED_NOTE in rows["140703"]
    # Every county's name still opens its dashboard (aggregates are everyone's).
    assert 'href="/dashboards/140703/?year=2023"' in rows["140703"]
    assert "灰色数字仅可查看汇总数" in html


def test_leader_on_the_city_dashboard_opens_every_figure(demo, as_user):
    html = _html(as_user("leader").get("/dashboards/?year=2023"))
    assert LOCKED_NOTE not in html
    assert len(_figure_links(html)) > 100


def test_chart_bars_a_county_official_may_not_open_lead_nowhere(demo, as_user):
    charts = as_user("yuci_official").get("/dashboards/?year=2023").context["charts"]
    urls = {r["code"]: r["url"] for r in charts["ranking"]}
    assert urls["140703"] is None and "region=140702" in urls["140702"]
    assert all(u is None for u in charts["trend"]["urls"])
