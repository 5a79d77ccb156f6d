"""Pagination (page numbers up to 500, cursors without COUNT), constant query counts, CSV / xlsx."""

import base64
import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core import pagination as counting
from projects.models import Project

pytestmark = pytest.mark.usefixtures("demo_data")

LIST_ENDPOINTS = [
    "/api/v1/projects/",
    "/api/v1/enterprises/",
    "/api/v1/parks/",
    "/api/v1/regions/",
    "/api/v1/industry-chains/",
    "/api/v1/chain-links/",
    "/api/v1/promotion-methods/",
    "/api/v1/follow-ups/",
    "/api/v1/funds-in-place/",
    "/api/v1/events/",
    "/api/v1/signings/",
    "/api/v1/agreements/",
    "/api/v1/targets/",
]


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_list_runs_the_same_number_of_queries_whatever_the_page_size(users, api_as, url):
    client = api_as(users["city_staff"])
    small = _queries(client, f"{url}?page_size=1")
    large = _queries(client, f"{url}?page_size=500")
    # Never more for a larger page (a page shorter than its size even skips the COUNT).
    assert len(large) <= len(small), large
    # Authentication (2: knox reads the token, then the user's expired tokens) + COUNT (1) + the
    # page (1) + prefetches for many-to-many fields.
    assert len(small) <= 5


def test_page_numbers_count_up_to_the_cap_and_stop_there(users, api_as, monkeypatch):
    # At 10^6 an exact COUNT reads every row: lists count at most COUNT_CAP + 1 (10,000 + 1) rows
    # and page numbers reach the first COUNT_CAP rows; cursor pages go on from there.
    client = api_as(users["city_staff"])
    total = client.get("/api/v1/projects/?page_size=1").json()["count"]
    assert total == Project.objects.count() > 6
    monkeypatch.setattr(counting, "COUNT_CAP", 6)
    queries = _queries(client, "/api/v1/projects/?page_size=2")
    counts = [q for q in queries if "COUNT(" in q.upper()]
    assert len(counts) == 1 and "LIMIT 7" in counts[0], counts
    body = client.get("/api/v1/projects/?page_size=2&page=3").json()
    assert body["count"] == 6 and body["next"] is None and len(body["results"]) == 2
    deep = client.get("/api/v1/projects/?page_size=2&page=4")
    assert deep.status_code == 404 and "cursor" in deep.json()["detail"]
    walked, url = 0, "/api/v1/projects/?cursor=&page_size=50"
    while url:
        page = client.get(url).json()
        walked, url = walked + len(page["results"]), page["next"]
    assert walked == total


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_cursor_pages_never_count(users, api_as, url):
    client = api_as(users["city_staff"])
    queries = _queries(client, f"{url}?cursor=&page_size=5")
    # No row count (an aggregate column such as an event's signing count is fine).
    assert not any("COUNT(*)" in q.upper() for q in queries)
    assert "count" not in client.get(f"{url}?cursor=").json()


def test_cursor_walk_returns_every_project_once(users, api_as):
    client = api_as(users["city_staff"])
    url, seen = "/api/v1/projects/?cursor=&page_size=50", []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == Project.objects.count()


@pytest.mark.parametrize("position", [b"p=abc", b"p=1.5&r=1", b"p=%EF%BC%91"])
def test_a_hand_made_cursor_is_a_json_404_not_a_500(users, api_as, position):
    client = api_as(users["city_staff"])
    client.raise_request_exception = False
    cursor = base64.b64encode(position).decode()
    response = client.get(f"/api/v1/projects/?cursor={cursor}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_size_is_capped_at_500(users, api_as):
    body = api_as(users["city_staff"]).get("/api/v1/enterprises/?page_size=100000").json()
    assert len(body["results"]) == min(500, body["count"])
    assert set(body) == {"count", "next", "previous", "results"}


def test_csv_export_streams_every_row_with_a_bom_and_no_formulas(users, api_as):
    Project.objects.filter(pk=Project.objects.order_by("id").first().pk).update(
        name='=HYPERLINK("http://evil")', notes="x"
    )
    response = api_as(users["city_staff"]).get("/api/v1/projects/?format=csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffid,name,region,")
    lines = text.strip().splitlines()
    assert len(lines) == Project.objects.count() + 1
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_csv_export_follows_the_filters_and_the_scope(users, api_as):
    response = api_as(users["yuci_staff"]).get(
        "/api/v1/projects/", {"format": "csv", "stage": "signed"}
    )
    rows = b"".join(response.streaming_content).decode("utf-8").strip().splitlines()[1:]
    expected = Project.objects.filter(region__code="140702", stage="signed").count()
    assert len(rows) == expected


def test_xlsx_export_opens_and_keeps_amounts_exact(users, api_as):
    response = api_as(users["city_staff"]).get(
        "/api/v1/projects/",
        {"format": "xlsx", "signed_from": "2023-01-01", "signed_to": "2023-03-31"},
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 39
    amounts = [row[header.index("planned_investment")] for row in data]
    assert all(isinstance(a, str) for a in amounts)
    from decimal import Decimal

    assert sum(Decimal(a) for a in amounts) == Decimal("3566900")


def test_an_export_error_is_still_json(users, api_as):
    response = api_as(users["city_staff"]).get("/api/v1/projects/?format=csv&region=nowhere")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["fields"]["region"]


PROJECT_PAGES = [
    "/api/v1/projects/?page_size=50",
    "/api/v1/projects/?cursor=&page_size=50",
    "/api/v1/projects/?region=140702&stage=signed&stage=started"
    "&signed_from=2023-01-01&signed_to=2023-12-31&page_size=50",
    "/api/v1/projects/?region=140702&stage=signed&stage=started"
    "&signed_from=2023-01-01&signed_to=2023-12-31&page_size=50&cursor=",
]


@pytest.mark.parametrize("url", PROJECT_PAGES)
def test_a_project_page_takes_at_most_three_queries(users, api_as, url):
    # Everything the request runs: the token with its user (1), COUNT (1, page numbers only), the
    # page with its names (1). The region code is looked up inside those; `stage` adds no DISTINCT.
    client = api_as(users["city_staff"])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) == (2 if "cursor=" in url else 3), queries
    assert "accounts_apitoken" in queries[0]
    assert not any("DISTINCT" in q.upper() for q in queries)


def test_unknown_and_malformed_codes(users, api_as):
    client = api_as(users["city_staff"])
    assert client.get("/api/v1/projects/?chain=nowhere").status_code == 400
    assert client.get("/api/v1/projects/?region=nowhere").status_code == 400
    # A well-formed code of no region: no rows, as another county's code for a county user.
    response = client.get("/api/v1/projects/?region=999999")
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize("url", ["/api/v1/projects/", "/api/v1/enterprises/", "/api/v1/signings/"])
def test_a_page_shows_the_same_names_as_the_export(users, api_as, url):
    # A page reads region, chain, park … names from its rows' related rows (select_related), the
    # CSV export with .values(): the same values.
    client = api_as(users["city_staff"])
    rows = []
    next_url = f"{url}?page_size=500&cursor="
    while next_url:
        body = client.get(next_url).json()
        rows += body["results"]
        next_url = body["next"]
    assert rows
    response = client.get(f"{url}?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *lines = csv.reader(io.StringIO(text))
    by_id = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert len(by_id) == len(rows)
    names = [n for n in header if n.endswith("_name") or n in ("region", "chain", "method")]
    assert names
    for row in rows:
        exported = by_id[str(row["id"])]
        for name in names:
            assert (row[name] or "") == exported[name], (row["id"], name)
