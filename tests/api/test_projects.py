"""Projects through the API: scoped like the pages, written through the services, money exact."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from core.api.parsers import DecimalJSONParser
from core.models import Region
from enterprises.models import Enterprise
from projects.models import Project

pytestmark = pytest.mark.usefixtures("demo_data")


def _new_project(**overrides) -> dict:
    investor = Enterprise.objects.order_by("id").first()
    body = {
        "name": "API 测试项目",
        "investor": investor.pk,
        "region": "140702",
        "planned_investment": "12000.5",
        "registered_on": "2024-05-01",
    }
    body.update(overrides)
    return body


def test_county_user_sees_only_their_region(users, api_as):
    client = api_as(users["yuci_staff"])
    rows = client.get("/api/v1/projects/?page_size=500").json()["results"]
    assert rows
    assert {row["region"] for row in rows} == {"140702"}


def test_another_countys_project_is_a_404(users, api_as):
    taigu = Project.objects.filter(region__code="140703").first()
    response = api_as(users["yuci_official"]).get(f"/api/v1/projects/{taigu.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_project_list_uses_the_page_filters(users, api_as):
    client = api_as(users["api_reader"])
    response = client.get(
        "/api/v1/projects/",
        {"signed_from": "2023-01-01", "signed_to": "2023-03-31", "page_size": 100},
    )
    body = response.json()
    assert body["count"] == 39
    assert sum(Decimal(r["planned_investment"]) for r in body["results"]) == Decimal("3566900")
    by_region = client.get("/api/v1/projects/", {"region": "140702", "stage": "signed"}).json()
    assert all(r["region"] == "140702" and r["stage"] == "signed" for r in by_region["results"])


def test_project_fields_are_the_stable_contract(users, api_as):
    row = api_as(users["api_reader"]).get("/api/v1/projects/?page_size=1").json()["results"][0]
    for field in ("id", "name", "region", "stage", "planned_investment", "signed_on"):
        assert field in row
    assert {"started_on", "planned_start_on"} <= set(row)
    assert isinstance(row["planned_investment"], str)
    Decimal(row["planned_investment"])


def test_county_staff_creates_a_project_in_their_region_through_the_service(users, api_as):
    response = api_as(users["yuci_staff"]).post("/api/v1/projects/", _new_project(), format="json")
    assert response.status_code == 201, response.json()
    project = Project.objects.get(pk=response.json()["id"])
    assert project.owner == users["yuci_staff"]  # the service's default
    assert project.stage_changes.count() == 1  # the service recorded the creation
    assert response.json()["planned_investment"] == "12000.500000"


def test_county_staff_cannot_create_in_another_region(users, api_as):
    response = api_as(users["yuci_staff"]).post(
        "/api/v1/projects/", _new_project(region="140703"), format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_service_rules_come_back_as_field_errors(users, api_as):
    response = api_as(users["city_staff"]).post(
        "/api/v1/projects/",
        _new_project(stage="signed", signed_on=None),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["fields"]


def test_update_and_advance_go_through_the_services(users, api_as):
    client = api_as(users["city_staff"])
    created = client.post("/api/v1/projects/", _new_project(), format="json").json()
    patched = client.patch(f"/api/v1/projects/{created['id']}/", {"notes": "改过了"}, format="json")
    assert patched.status_code == 200 and patched.json()["notes"] == "改过了"
    advanced = client.post(
        f"/api/v1/projects/{created['id']}/advance/",
        {"to": "signed", "on": "2024-06-01"},
        format="json",
    )
    assert advanced.status_code == 200, advanced.json()
    assert advanced.json()["stage"] == "signed" and advanced.json()["signed_on"] == "2024-06-01"
    back = client.post(
        f"/api/v1/projects/{created['id']}/advance/", {"to": "lead", "on": "2024-06-02"}
    )
    assert back.status_code == 400  # moving back needs a reason (a service rule)


# --- money ---------------------------------------------------------------------------------
def test_json_numbers_are_parsed_as_exact_decimals():
    data = DecimalJSONParser().parse(io.BytesIO(b'{"amount": 12345678901234567.89}'))
    assert data["amount"] == Decimal("12345678901234567.89")
    assert float(data["amount"]) != data["amount"]  # a float could not have held it


def test_an_amount_beyond_the_cap_is_rejected_clearly_not_rounded(users, api_as):
    body = json.dumps(_new_project()).replace('"12000.5"', "12345678901234567.89")
    response = api_as(users["city_staff"]).post(
        "/api/v1/projects/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "planned_investment" in response.json()["fields"]
    assert not Project.objects.filter(name="API 测试项目").exists()


def test_a_large_exact_amount_under_the_cap_survives_as_a_json_number(users, api_as):
    body = json.dumps(_new_project()).replace('"12000.5"', "99999999.123456")
    response = api_as(users["city_staff"]).post(
        "/api/v1/projects/", body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["planned_investment"] == "99999999.123456"
    stored = Project.objects.get(pk=response.json()["id"]).planned_investment
    assert stored == Decimal("99999999.123456")


def test_nan_and_infinity_are_not_numbers(users, api_as):
    body = json.dumps(_new_project()).replace('"12000.5"', "NaN")
    response = api_as(users["city_staff"]).post(
        "/api/v1/projects/", body, content_type="application/json"
    )
    assert response.status_code == 400


def test_funds_and_follow_ups_are_recorded_through_the_services(users, api_as):
    client = api_as(users["yuci_staff"])
    project = Project.objects.filter(region__code="140702").first()
    funds = client.post(
        "/api/v1/funds-in-place/",
        {"project": project.pk, "month": "2024-03-15", "amount": "250.5"},
        format="json",
    )
    assert funds.status_code == 201, funds.json()
    assert funds.json()["month"] == "2024-03" and funds.json()["amount"] == "250.500000"
    follow = client.post(
        "/api/v1/follow-ups/",
        {
            "project": project.pk,
            "kind": "call",
            "happened_on": dt.date.today().isoformat(),
            "summary": "电话沟通",
        },
        format="json",
    )
    assert follow.status_code == 201, follow.json()
    taigu = Project.objects.filter(region__code="140703").first()
    other = client.post(
        "/api/v1/funds-in-place/",
        {"project": taigu.pk, "month": "2024-03-01", "amount": "1"},
        format="json",
    )
    assert other.status_code == 404


def test_region_codes_are_gb_t_2260(users, api_as):
    codes = {r["code"] for r in api_as(users["leader"]).get("/api/v1/regions/").json()["results"]}
    assert codes == set(Region.objects.values_list("code", flat=True))
    assert "JZKFQ" in codes and "140702" in codes


def test_sort_orders_like_the_page(users, api_as):
    rows = api_as(users["api_reader"]).get("/api/v1/projects/?sort=-amount&page_size=20").json()
    amounts = [Decimal(r["planned_investment"]) for r in rows["results"]]
    assert amounts == sorted(amounts, reverse=True)
