"""/projects/ reads the list the way the API does (one FilterSet, one scoped queryset), counts once,
sorts and counts on the projects table alone, and reads names for the shown rows only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import pagination as counting
from projects.models import Project

pytestmark = pytest.mark.django_db

VIEWS = [
    "/projects/",
    "/projects/?region=140702&stage=signed&signed_from=2023-01-01&signed_to=2023-12-31",
    "/projects/?q=%E6%99%8B%E4%B8%AD",
    "/projects/?sort=-amount",
    "/projects/?page=2",
]


def _project_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries if '"projects_project"' in q["sql"]]


@pytest.mark.parametrize("url", VIEWS)
def test_the_list_counts_once_and_joins_only_for_the_shown_rows(client, demo_data, demo_users, url):
    client.force_login(demo_users["city_staff"])
    queries = _project_queries(client, url)
    counts = [q for q in queries if "COUNT(" in q.upper()]
    assert len(counts) == 1, counts
    # Counted, then the page's rows with their names: two reads of projects.
    assert len(queries) == 2, queries
    count, rows = queries
    assert "LIMIT 10001" in count
    # The page's ids are a subquery, sorted and sliced on the projects table; the names are
    # joined outside it, for those rows only.
    outer, ids = rows.split(" IN (SELECT ", 1)
    assert '"projects_project"."id"' in outer[-30:] and "core_region" in outer
    assert "ORDER BY" in ids and re.search(r"LIMIT \d+( OFFSET \d+)?\)", ids)
    for sql in (count, ids):
        # Sorted and counted on the projects table; a search reaches the investor's name.
        joined = re.findall(r"JOIN \"(\w+)\"", sql)
        assert set(joined) <= {"enterprises_enterprise"}, sql


@pytest.mark.parametrize("url", VIEWS)
def test_the_list_runs_a_fixed_number_of_queries(
    client, demo_data, demo_users, django_assert_num_queries, url
):
    client.force_login(demo_users["city_staff"])
    client.get(url)
    # Session and user, the saved views, the count, the page's rows, the form's regions, chains,
    # parks and methods (two columns each). The region code costs none: it is looked up inside
    # the count and the page. Whatever the number of projects.
    with django_assert_num_queries(9):
        client.get(url)


def test_a_county_user_counts_and_pages_their_region_only(client, demo_data, demo_users):
    client.force_login(demo_users["yuci_staff"])
    body = client.get("/projects/").content.decode()
    count = int(re.search(r'data-testid="total-count">\s*(\d+)\s*<', body).group(1))
    assert count == Project.objects.filter(region__code="140702").count()


def test_beyond_the_cap_the_list_says_so_and_pages_stop_there(
    client, demo_data, demo_users, monkeypatch
):
    monkeypatch.setattr(counting, "COUNT_CAP", 30)
    client.force_login(demo_users["city_staff"])
    body = client.get("/projects/?page=99").content.decode()
    assert re.search(r'data-testid="total-count">\s*30\+\s*<', body)
    assert re.search(r'data-testid="total-amount">\s*<span[^>]*>—</span>', body)
    assert "2 / 2" in body  # 30 rows, 25 a page: page 99 shows the last page the cap reaches
    assert body.count("30+") == 2  # the card and the pager ("26–30 of 30+")


def test_default_order_and_amount_sort_are_stable_and_complete(client, demo_data, demo_users):
    client.force_login(demo_users["city_staff"])
    total = Project.objects.count()
    for sort, expected in (
        ("", list(Project.objects.order_by("-registered_on", "-id").values_list("pk", flat=True))),
        (
            "-amount",
            list(
                Project.objects.order_by("-planned_investment", "-id").values_list("pk", flat=True)
            ),
        ),
    ):
        seen = []
        for page in range(1, total // 25 + 2):
            body = client.get(f"/projects/?sort={sort}&page={page}").content.decode()
            seen += [int(pk) for pk in re.findall(r'href="/projects/(\d+)/"', body)]
        assert seen == expected, sort
