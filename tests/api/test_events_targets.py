"""Events, signings, orders / agreements and targets through the API: scoped like the pages, written
through events.services and dashboards.services, money exact."""

import datetime as dt
from decimal import Decimal

import pytest

from dashboards.models import Target
from events.models import EventKind, PromotionEvent, Signing
from projects.models import Project, Stage

pytestmark = pytest.mark.usefixtures("demo_data")


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

    from enterprises.models import Enterprise

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
