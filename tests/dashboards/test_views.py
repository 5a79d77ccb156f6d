"""Dashboards show the article's 2023 Q1 figures from the rollups alone, link every figure to the
project list, and export their tables."""

import io
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core.models import Region
from dashboards import selectors
from dashboards.periods import parse_period
from rollups.models import RollupStatus
from targets import services


@pytest.fixture
def demo(dashboard_demo, db):
    """The demo, loaded once for tests/dashboards (see its conftest.py)."""
    return None


def _period(**params):
    return parse_period(params, default_year=2023)


def test_city_2023_q1_shows_39_signed_worth_356_69_yi_and_35_78_yi_expected(demo):
    data = selectors.dashboard_data(period=_period(year="2023", quarter="1"))
    assert data["totals"]["signed_count"] == 39
    assert data["totals"]["signed_amount"] == Decimal("3566900")
    assert data["totals"]["expected_start_amount"] == Decimal("357800")


def test_feb_2023_includes_the_taiyuan_conference_signings(demo):
    data = selectors.dashboard_data(period=_period(year="2023", month="2"))
    assert data["totals"]["signed_count"] >= 15
    assert data["totals"]["signed_amount"] >= Decimal("3468000")


SUPERVISION = "SELECT i.id, i.region_id, i.due_on, (SELECT p.name FROM projects_project p "


def test_the_dashboard_reads_rollups_only_never_projects(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    client.get("/dashboards/?year=2023&quarter=1")  # a past quarter's 亮灯 tally: first read
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboards/?year=2023&quarter=1")
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    # Projects are read only by the top-10 list: an index walk with LIMIT 10 (partial index
    # project_signed_by_investment), and the 督办 panel's names of its few items, by id — never a
    # scan.
    for query in queries.captured_queries:
        if "projects_project" in query["sql"]:
            sql = query["sql"]
            assert "LIMIT 10" in sql or sql.startswith(SUPERVISION)
    assert "projects_fundsinplace" not in sql
    assert len(queries.captured_queries) <= 19, len(queries.captured_queries)  # + locked periods


def test_county_dashboard_is_scoped_to_its_region(demo, client, demo_users):
    client.force_login(demo_users["yuci_official"])
    response = client.get("/dashboards/140781/?year=2023&quarter=1")
    assert response.status_code == 200
    data = response.context["totals"]
    region = Region.objects.get(code="140781")
    city = selectors.dashboard_data(period=_period(year="2023", quarter="1"))
    row = next(r for r in city["ranking"] if r["code"] == region.code)
    assert data["signed_amount"] == row["signed_amount"]
    assert data["signed_count"] == row["signed_count"] < 39


def test_every_kpi_with_a_list_filter_links_to_the_filtered_project_list(demo):
    data = selectors.dashboard_data(
        period=_period(year="2023", quarter="1"), region=Region.objects.get(code="140702")
    )
    signed = next(k for k in data["kpis"] if k["key"] == "signed_amount")
    url = urlparse(signed["url"])
    assert url.path == "/projects/"
    assert parse_qs(url.query) == {
        "region": ["140702"],
        "signed_from": ["2023-01-01"],
        "signed_to": ["2023-03-31"],
        "counts_as_signed": ["true"],  # the list counts what the figure counts (口径)
    }
    expected = next(k for k in data["kpis"] if k["key"] == "expected_start_amount")
    assert "planned_start_from=2023-01-01" in expected["url"]


def test_default_year_is_the_latest_with_figures_when_the_current_has_none(demo):
    from rollups.models import MonthlyRollup

    latest = MonthlyRollup.objects.latest("month").month.year
    import datetime as dt

    assert selectors.default_year(today=dt.date(latest + 3, 6, 1)) == latest


def test_targets_give_completion_beside_time_elapsed(demo, demo_users):
    services.target_set(
        by=demo_users["city_staff"],
        region=Region.objects.get(code="140700"),
        year=2023,
        signed_count=100,
        signed_amount="1000亿",
        new_start_amount="500亿",
        funds_amount="300亿",
    )
    data = selectors.dashboard_data(period=_period(year="2023", quarter="1"))
    card = next(k for k in data["kpis"] if k["key"] == "signed_amount")
    assert card["completion"] == 35.7  # 356.69 of 1000亿
    assert card["elapsed"] == 24.7  # 90 of 365 days


def test_county_staff_may_not_set_targets(demo, demo_users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.target_set(
            by=demo_users["yuci_staff"],
            region=Region.objects.get(code="140702"),
            year=2023,
            signed_count=1,
            signed_amount="1",
            new_start_amount="1",
            funds_amount="1",
        )


def test_targets_import_from_a_small_spreadsheet(demo, demo_users):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        ["地区", "年度", "签约项目数", "签约投资额(万元)", "新开工投资额(万元)", "到位资金(万元)"]
    )
    sheet.append(["榆次区", 2023, 12, 800000, 300000, 200000])
    sheet.append(["140703", 2023, 10, "60亿", "20亿", "15亿"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    targets = services.targets_import_xlsx(by=demo_users["city_staff"], file=buffer)
    assert [(t.region.code, t.signed_amount) for t in targets] == [
        ("140702", Decimal("800000")),
        ("140703", Decimal("600000")),
    ]


def test_export_holds_every_dashboard_table(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    response = client.get("/dashboards/export.xlsx?year=2023&quarter=1")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 10  # 7 rollup tables, top 10, events, chain indicators
    key_figures = book.worksheets[0]
    values = {row[2]: row[3] for row in key_figures.iter_rows(min_row=2, values_only=True)}
    assert 39 in values.values()


def test_recompute_button_queues_a_rebuild_and_status_reports_it(
    demo, client, demo_users, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("rollups.tasks.rebuild_rollups.apply_async", lambda **kw: sent.append(kw))
    client.force_login(demo_users["city_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboards/refresh/")
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert len(sent) == 1
    assert RollupStatus.objects.get().rebuild_requested_at is not None


def test_a_leader_cannot_start_a_recompute(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    assert client.post("/dashboards/refresh/").status_code == 403


def test_dashboards_need_a_login(db, client):
    response = client.get("/dashboards/")
    assert response.status_code == 302
