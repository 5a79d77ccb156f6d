"""The project list's export buttons (/imports/export/projects/?format=csv|xlsx) export the filtered,
scoped list, and it re-imports unchanged."""

import csv
import io

import pytest

from imports import services
from projects.models import Project

from .ledgers import project_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects(demo_users):
    batch = services.import_file(
        kind="projects",
        data=xlsx_bytes(
            [project_row(台账编号="YC-1"), project_row(项目名称="太谷项目", 县区="太谷区")]
        ),
        filename="a.xlsx",
        by=None,
        dry_run=False,
    )
    assert batch.status == "imported"
    return Project.objects.all()


def _csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def test_csv_export_keeps_the_filters(client, demo_users, two_projects):
    client.force_login(demo_users["city_staff"])
    rows = _csv_rows(client.get("/imports/export/projects/", {"region": "140702", "format": "csv"}))
    assert [r["项目名称"] for r in rows] == ["年产10万吨精品钢项目"]
    assert rows[0]["台账编号"] == "YC-1"
    assert rows[0]["计划总投资(万元)"] == "35000"


def test_export_is_scoped_to_the_users_region(client, demo_users, two_projects):
    client.force_login(demo_users["taigu_staff"])
    rows = _csv_rows(client.get("/imports/export/projects/", {"format": "csv"}))
    assert [r["项目名称"] for r in rows] == ["太谷项目"]


def test_xlsx_export_reimports_unchanged(client, demo_users, two_projects):
    client.force_login(demo_users["city_staff"])
    response = client.get("/imports/export/projects/", {"format": "xlsx"})
    data = b"".join(response.streaming_content)
    batch = services.import_file(
        kind="projects", data=data, filename="x.xlsx", by=None, dry_run=True
    )
    assert batch.summary == {"new": 0, "update": 0, "unchanged": 2, "error": 0}


def test_list_page_has_export_links_with_the_filters(client, demo_users, two_projects):
    client.force_login(demo_users["city_staff"])
    page = client.get("/projects/", {"region": "140702", "page": "1"}).content.decode()
    assert "/imports/export/projects/?region=140702&amp;format=xlsx" in page
