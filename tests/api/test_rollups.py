"""/api/v1/rollups/: totals by dimension and period, read from the rollup tables."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.usefixtures("demo_data")


def test_2023_q1_totals_match_the_article(users, api_as):
    body = api_as(users["api_reader"]).get("/api/v1/rollups/?year=2023&quarter=1").json()
    (row,) = body["results"]
    assert row["signed_count"] == 39
    assert row["signed_amount"] == "3566900.000000"  # 356.69亿元
    assert row["expected_start_amount"] == "357800.000000"  # 35.78亿元


def test_group_by_region_and_month_adds_up_to_the_total(users, api_as):
    client = api_as(users["api_reader"])
    rows = client.get(
        "/api/v1/rollups/", {"year": 2023, "quarter": 1, "group_by": "region,month"}
    ).json()["results"]
    assert {row["month"] for row in rows} <= {"2023-01", "2023-02", "2023-03"}
    assert all(row["region"] and row["region_name"] for row in rows)
    assert sum(row["signed_count"] for row in rows) == 39
    assert sum(Decimal(row["signed_amount"]) for row in rows) == Decimal("3566900")


def test_repeated_group_by_parameters_work_like_a_comma_list(users, api_as):
    client = api_as(users["api_reader"])
    a = client.get("/api/v1/rollups/?year=2023&group_by=chain&group_by=quarter").json()
    b = client.get("/api/v1/rollups/?year=2023&group_by=chain,quarter").json()
    assert a == b and a["count"] > 0


def test_a_county_sees_only_its_own_totals(users, api_as):
    rows = api_as(users["yuci_staff"]).get("/api/v1/rollups/?group_by=region").json()["results"]
    assert {row["region"] for row in rows} == {"140702"}


def test_rollups_read_the_rollup_tables_never_projects(users, api_as):
    client = api_as(users["api_reader"])
    for group_by in ("", "region", "park,quarter", "region,chain,method,park,month,quarter"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/rollups/?year=2023&group_by={group_by}")
            assert response.status_code == 200
        sql = " ".join(q["sql"] for q in ctx.captured_queries)
        assert "projects_project" not in sql and "projects_fundsinplace" not in sql
        assert "rollups_monthlyrollup" in sql
        # one grouped read of the cells (the named dimensions' keys and names joined) + the
        # signing caliber the response names, besides knox's token lookup (authentication)
        own = [q for q in ctx.captured_queries if "accounts_apitoken" not in q["sql"]]
        assert len(own) <= 2


def test_group_by_park_and_quarter(users, api_as):
    rows = (
        api_as(users["api_reader"])
        .get("/api/v1/rollups/", {"year": 2023, "group_by": "park,quarter"})
        .json()["results"]
    )
    assert {row["quarter"] for row in rows} <= {"2023Q1", "2023Q2", "2023Q3", "2023Q4"}
    q1 = [row for row in rows if row["quarter"] == "2023Q1"]
    assert sum(row["signed_count"] for row in q1) == 39
    assert sum(Decimal(row["signed_amount"]) for row in q1) == Decimal("3566900")
    assert any(row["park"] is not None and row["park_name"] for row in rows)


@pytest.mark.parametrize("username", ["api_reader", "city_staff", "yuci_staff"])
@pytest.mark.parametrize(
    ("group_by", "period"),
    [
        ("region,chain,method,park,month,quarter", {"year": 2023}),
        ("park,method", {"from": "2022-11-17", "to": "2023-02-09"}),  # months cut at both ends
        ("region", {"from": "2023-02-03", "to": "2023-02-03"}),
        ("", {}),
    ],
)
def test_rollup_tables_answer_what_a_live_aggregate_answers(users, username, group_by, period):
    from dashboards import reads
    from dashboards.periods import period_for

    user = users[username]
    parsed = period_for(
        year=period.get("year"),
        date_from=dt.date.fromisoformat(period["from"]) if "from" in period else None,
        date_to=dt.date.fromisoformat(period["to"]) if "to" in period else None,
    )
    dims = [d for d in group_by.split(",") if d]
    expected = reads.rollup_live(user=user, group_by=dims, period=parsed)
    assert reads.rollup_totals(user=user, group_by=dims, period=parsed) == expected
    assert expected and any(row["signed_count"] for row in expected)


@pytest.mark.parametrize(
    "query",
    ["group_by=county", "quarter=1", "year=2023&quarter=5", "from=2023-05-01&to=2023-01-01"],
)
def test_bad_rollup_parameters_are_400(users, api_as, query):
    response = api_as(users["api_reader"]).get(f"/api/v1/rollups/?{query}")
    assert response.status_code == 400
    assert response.json()["fields"]


def test_rollups_export_as_csv(users, api_as):
    response = api_as(users["api_reader"]).get("/api/v1/rollups/?year=2023&format=csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffsigned_count,signed_amount")


def test_completed_investment_is_in_the_rollup_totals(users, api_as):
    from projects import services as project_services
    from projects.models import Project
    from rollups import refresh

    client = api_as(users["api_reader"])
    url = "/api/v1/rollups/?year=2023&quarter=1"
    before = Decimal(client.get(url).json()["results"][0]["completed_investment_amount"])
    project = Project.objects.filter(signed_on__year=2023, is_confidential=False).first()
    project_services.completed_investment_record(
        project=project, month=dt.date(2023, 3, 1), amount="1234.5", by=None
    )
    refresh.drain_outbox()
    body = client.get(url).json()
    assert Decimal(body["results"][0]["completed_investment_amount"]) == before + Decimal("1234.5")
    by_region = client.get(url + "&group_by=region").json()["results"]
    row = next(r for r in by_region if r["region"] == project.region.code)
    assert Decimal(row["completed_investment_amount"]) >= Decimal("1234.5")


def test_rollup_totals_name_their_signing_caliber(users, api_as):
    body = api_as(users["api_reader"]).get("/api/v1/rollups/?year=2023&quarter=1").json()
    assert body["signed_caliber"] == ["formal"]
