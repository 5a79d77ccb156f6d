"""What one dashboard page costs the database (issue 19: the page within 2× its rollup reads and
template render). Every reference table is read once per request: the regions (one statement, which
also names the user's region in the header), the year's targets (one, for the page's target and the
county ranking's), the 亮灯 cards (one, the county ranking's too), the signing caliber (with the
refresh status); who may lock periods comes from the user's role, not the permission tables."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def demo(dashboard_demo, db):
    return None


def _page(client, user, url):
    client.force_login(user)
    client.get(url)  # a past period's 亮灯 tally is counted on its first read
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured.captured_queries]


def _reads(statements, table):
    """The statements reading `table` (the ORM's, or the dashboard's fixed SQL) as their own."""
    return [s for s in statements if f'FROM "{table}"' in s or s.startswith(f"SELECT {table}")]


def _fixed(statements, start):
    return [s for s in statements if s.startswith(start)]


# (user, URL, statements): the session and the user, the regions, the period locks, the months, the
# targets, the status (with the caliber), the ranking, the chains, the stages, the enterprises (tiers
# and supplier links), the 亮灯 tally, the top projects, the
# events, the ranking's year-to-date sums; the city adds the 督办 panel and the chain indicators
# (one statement each).
# Which top projects a user may open is answered from the rows read (no scope check of its own).
CASES = [
    ("city_staff", "/dashboards/?year=2023&quarter=1", 17),
    ("leader", "/dashboards/?year=2023&quarter=1", 17),
    ("yuci_staff", "/dashboards/140702/?year=2023&quarter=1", 15),
    ("leader", "/dashboards/140702/?year=2023&quarter=1", 15),
]


@pytest.mark.parametrize(("username", "url", "expected"), CASES)
def test_a_dashboard_page_reads_each_table_once(demo, client, demo_users, username, url, expected):
    response, statements = _page(client, demo_users[username], url)
    assert len(statements) == expected, "\n".join(s[:160] for s in statements)
    assert len(_reads(statements, "core_region")) == 1
    assert len(_fixed(statements, "SELECT t.region_id, t.signed_count")) == 1  # the targets
    assert not [s for s in statements if "JOIN core_region r ON r.id = t.region_id" in s]
    assert not [s for s in statements if "auth_permission" in s]
    assert not _reads(statements, "rollups_signingcaliber")  # rides on the status statement
    assert len(_fixed(statements, "SELECT t.region_id, t.stage, t.light")) == 1  # 亮灯, once
    # The default year is asked only when the URL names none.
    assert not [s for s in statements if 'SELECT 1 AS "a" FROM "rollups_regionmonthrollup"' in s]
    assert response.context["county_ranking"]


def test_the_header_names_a_county_users_region_without_reading_it_again(demo, client, demo_users):
    response, statements = _page(
        client, demo_users["yuci_staff"], "/dashboards/140702/?year=2023&quarter=1"
    )
    user = demo_users["yuci_staff"]
    assert user.region.name in response.content.decode()
    assert len(_reads(statements, "core_region")) == 1
