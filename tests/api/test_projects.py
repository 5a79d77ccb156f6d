"""Projects, and what hangs off them (events, signings, orders / agreements, targets), through the
API: scoped like the pages, written through the services, money exact. One module, so the demo
data is loaded once for all of them."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from core.api.parsers import DecimalJSONParser
from core.models import Region
from enterprises.models import Enterprise
from events.models import EventKind, PromotionEvent, Signing
from projects.models import Project, Stage
from targets.models import Target

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
    # Funds are never dated before the signing month (projects.services.funds_check_month).
    project = Project.objects.filter(region__code="140702", signed_on__lte="2024-03-01").first()
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


# --- events, signings, orders / agreements, targets ---------------------------------------------


def _ids(client, url, **params) -> set[int]:
    body = client.get(url, {"page_size": 500, **params}).json()
    return {row["id"] for row in body["results"]}


def test_a_county_user_sees_only_their_regions_signings(users, api_as):
    client = api_as(users["yuci_official"])
    rows = client.get("/api/v1/signings/?page_size=500").json()["results"]
    assert rows and {r["region"] for r in rows} == {"140702"}
    taigu = Signing.objects.filter(project__region__code="140703").first()
    response = client.get(f"/api/v1/signings/{taigu.pk}/")
    assert response.status_code == 404
    # Events themselves are public news, as on the /events/ pages.
    assert client.get(f"/api/v1/events/{taigu.event_id}/").status_code == 200


def test_a_confidential_project_does_not_show_through_its_signing(users, api_as):
    signing = Signing.objects.select_related("project").order_by("id").first()
    Project.objects.filter(pk=signing.project_id).update(is_confidential=True)
    reader = api_as(users["api_reader"])  # city-wide API client: no confidential projects
    assert signing.pk not in _ids(reader, "/api/v1/signings/")
    assert reader.get(f"/api/v1/signings/{signing.pk}/").status_code == 404
    csv = b"".join(reader.get("/api/v1/signings/?format=csv").streaming_content).decode()
    assert signing.project.name not in csv
    if signing.event_id:
        detail = reader.get(f"/api/v1/events/{signing.event_id}/").json()
        assert signing.project_id not in detail["projects_negotiated"]
    assert signing.pk in _ids(api_as(users["city_staff"]), "/api/v1/signings/")


def test_signing_filters_and_exact_amounts(users, api_as):
    client = api_as(users["city_staff"])
    body = client.get(
        "/api/v1/signings/",
        {"signed_from": "2023-01-01", "signed_to": "2023-12-31", "region": "140702"},
    ).json()
    expected = Signing.objects.filter(signed_on__year=2023, project__region__code="140702")
    assert body["count"] == expected.count()
    assert all(isinstance(r["amount"], str) for r in body["results"])


def test_events_use_the_page_filters(users, api_as):
    client = api_as(users["yuci_official"])
    event = PromotionEvent.objects.order_by("start_on").first()
    body = client.get(
        "/api/v1/events/",
        {"from": event.start_on.isoformat(), "to": event.start_on.isoformat()},
    ).json()
    assert event.pk in {r["id"] for r in body["results"]}
    assert all(r["start_on"] <= event.start_on.isoformat() <= r["end_on"] for r in body["results"])
    kind = event.kind.code
    assert all(
        r["kind"] == kind for r in client.get(f"/api/v1/events/?kind={kind}").json()["results"]
    )


def _event_body(**overrides) -> dict:
    body = {
        "kind": EventKind.objects.filter(is_active=True).first().code,
        "title": "API 推介会",
        "start_on": "2024-05-10",
        "end_on": "2024-05-11",
        "place_city": "深圳市",
        "organisers": ["140702"],
    }
    body.update(overrides)
    return body


def test_county_staff_records_their_event_and_signs_a_project_through_the_services(users, api_as):
    client = api_as(users["yuci_staff"])
    response = client.post("/api/v1/events/", _event_body(), format="json")
    assert response.status_code == 201, response.json()
    event_id = response.json()["id"]
    assert response.json()["organisers"] == ["140702"]
    # Another county's event is not theirs to record.
    other = client.post("/api/v1/events/", _event_body(organisers=["140703"]), format="json")
    assert other.status_code == 403

    created = client.post(
        "/api/v1/projects/",
        {
            "name": "API 签约测试项目",
            "investor": Enterprise.objects.order_by("id").first().pk,
            "region": "140702",
            "planned_investment": "5000",
            "registered_on": "2024-04-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    project = Project.objects.get(pk=created.json()["id"])
    response = client.post(
        "/api/v1/signings/",
        {
            "project": project.pk,
            "event": event_id,
            "signed_on": "2024-05-11",
            "amount": Decimal("1234567.123456"),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "1234567.123456"
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.signed_on == dt.date(2024, 5, 11)
    assert project.stage_changes.filter(to_stage=Stage.SIGNED).exists()

    signing_id = response.json()["id"]
    patched = client.patch(
        f"/api/v1/signings/{signing_id}/", {"amount": "100.5", "note": "改"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["amount"] == "100.500000" and patched.json()["note"] == "改"

    # A date outside the event is refused by the service, as on the page.
    late = client.post(
        "/api/v1/signings/",
        {"project": project.pk, "event": event_id, "signed_on": "2024-06-01"},
        format="json",
    )
    assert late.status_code == 400 and "signed_on" in late.json()["fields"]

    changed = client.patch(f"/api/v1/events/{event_id}/", {"venue": "会展中心"}, format="json")
    assert changed.status_code == 200 and changed.json()["venue"] == "会展中心"


def test_a_county_user_cannot_sign_another_countys_project(users, api_as):
    taigu = Project.objects.filter(region__code="140703").first()
    response = api_as(users["yuci_staff"]).post(
        "/api/v1/signings/",
        {"project": taigu.pk, "signed_on": "2024-05-11"},
        format="json",
    )
    assert response.status_code == 404


def test_readers_may_not_write_events(users, api_as):
    client = api_as(users["yuci_official"])
    assert client.post("/api/v1/events/", _event_body(), format="json").status_code == 403
    event = PromotionEvent.objects.first()
    assert client.patch(f"/api/v1/events/{event.pk}/", {"title": "x"}).status_code == 403


def test_foreign_orders_keep_currency_and_get_their_cny_amount(users, api_as):
    client = api_as(users["city_staff"])
    event = PromotionEvent.objects.order_by("id").first()
    response = client.post(
        "/api/v1/agreements/",
        {
            "event": event.pk,
            "kind": "export_order",
            "description": "出口订单",
            "currency": "USD",
            "original_amount": "6000",
            "exchange_rate": "7.1",
            "rate_date": event.start_on.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount_cny"] == "42600.000000"
    assert response.json()["id"] in _ids(client, "/api/v1/agreements/", event=event.pk)


def test_only_city_staff_set_targets(users, api_as):
    body = {"region": "140702", "year": 2024, "signed_count": 60, "signed_amount": "2000000.5"}
    county = api_as(users["yuci_staff"]).post("/api/v1/targets/", body, format="json")
    assert county.status_code == 403
    city = api_as(users["city_staff"])
    created = city.post("/api/v1/targets/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["signed_amount"] == "2000000.500000"
    assert created.json()["funds_amount"] == "0.000000"
    target_id = created.json()["id"]
    patched = city.patch(f"/api/v1/targets/{target_id}/", {"funds_amount": "900"}, format="json")
    assert patched.json()["funds_amount"] == "900.000000"
    assert patched.json()["signed_amount"] == "2000000.500000"
    assert Target.objects.get(pk=target_id).signed_count == 60
    # Every signed-in user reads them.
    rows = api_as(users["yuci_official"]).get("/api/v1/targets/?year=2024").json()["results"]
    assert [r["region"] for r in rows] == ["140702"]


def test_the_api_searches_like_the_page(users, api_as):
    client = api_as(users["city_staff"])
    found = client.get("/api/v1/projects/?q=吉利&page_size=500").json()
    assert found["count"] >= 1
    for row in found["results"]:
        project = Project.objects.select_related("investor").get(pk=row["id"])
        assert "吉利" in project.name + project.investor.name + project.notes
    assert client.get("/api/v1/projects/?q=不存在的项目名称xyz").json()["count"] == 0
