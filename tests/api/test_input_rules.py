"""What the API lets in: amounts read by the one money parser, oversized bodies refused in the
API's error shape, invisible characters in names, 首报首谈 on every way in, funds not before the
signing, and errors in the request's language (Chinese by default). One module, so the demo data
is loaded once."""

import datetime as dt
import json
import re

import pytest

from core.models import Region
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from projects import services
from projects.models import ClaimConflict, FundsInPlace, Project, Stage

pytestmark = pytest.mark.usefixtures("demo_data")

GEELY = "吉利汽车晋中基地"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _is_error_shape(body: dict, status: int) -> None:
    assert body["status"] == status
    assert {"status", "code", "detail"} <= set(body)
    assert CHINESE.search(body["detail"]), body


def _new_project(**overrides) -> dict:
    investor = Enterprise.objects.order_by("id").first()
    body = {
        "name": "API 输入规则项目",
        "investor": investor.pk,
        "region": "140702",
        "planned_investment": "12000.5",
        "registered_on": "2024-05-01",
    }
    body.update(overrides)
    return body


def _signed_project(region_code: str = "140702") -> Project:
    return (
        Project.objects.filter(region__code=region_code, signed_on__isnull=False)
        .exclude(stage=Stage.DROPPED)
        .order_by("signed_on", "id")
        .first()
    )


# --- 1. amounts --------------------------------------------------------------------------------
ODD_AMOUNTS = ["１２３", "1_000"]


@pytest.mark.parametrize("amount", ODD_AMOUNTS)
def test_create_refuses_full_width_and_underscored_amounts(users, api_as, amount):
    response = api_as(users["city_staff"]).post(
        "/api/v1/projects/", _new_project(planned_investment=amount), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    _is_error_shape(body, 400)
    assert "planned_investment" in body["fields"]
    assert CHINESE.search(body["fields"]["planned_investment"][0])
    assert not Project.objects.filter(name="API 输入规则项目").exists()


@pytest.mark.parametrize("amount", ODD_AMOUNTS)
def test_patch_refuses_full_width_and_underscored_amounts(users, api_as, amount):
    project = _signed_project()
    before = project.planned_investment
    response = api_as(users["city_staff"]).patch(
        f"/api/v1/projects/{project.pk}/", {"planned_investment": amount}, format="json"
    )
    assert response.status_code == 400
    _is_error_shape(response.json(), 400)
    assert "planned_investment" in response.json()["fields"]
    project.refresh_from_db()
    assert project.planned_investment == before


@pytest.mark.parametrize("amount", ODD_AMOUNTS)
def test_funds_refuse_full_width_and_underscored_amounts(users, api_as, amount):
    project = _signed_project()
    count = FundsInPlace.objects.count()
    response = api_as(users["city_staff"]).post(
        "/api/v1/funds-in-place/",
        {"project": project.pk, "month": dt.date.today().isoformat(), "amount": amount},
        format="json",
    )
    assert response.status_code == 400
    _is_error_shape(response.json(), 400)
    assert "amount" in response.json()["fields"]
    assert FundsInPlace.objects.count() == count


def test_amounts_with_a_unit_or_a_json_number_are_still_read_exactly(users, api_as):
    client = api_as(users["city_staff"])
    body = json.dumps(_new_project(name="单位金额项目", planned_investment="3.5亿"))
    response = client.post("/api/v1/projects/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["planned_investment"] == "35000.000000"
    body = json.dumps(_new_project(name="数字金额项目")).replace('"12000.5"', "1234.000001")
    response = client.post("/api/v1/projects/", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["planned_investment"] == "1234.000001"


# --- 2. oversized bodies -------------------------------------------------------------------------
def test_a_20_mb_json_body_is_refused_in_the_error_shape(users, api_as):
    notes = "x" * (20 * 1024 * 1024)
    body = json.dumps(_new_project(notes=notes))
    response = api_as(users["city_staff"]).post(
        "/api/v1/projects/", body, content_type="application/json"
    )
    assert response.status_code == 413
    _is_error_shape(response.json(), 413)
    assert not Project.objects.filter(name="API 输入规则项目").exists()


# --- 3. invisible characters ---------------------------------------------------------------------
def test_a_zero_width_space_in_geelys_name_matches_it_and_raises_the_conflict(users):
    geely = Enterprise.objects.get(name=GEELY)
    project, conflicts = services.quick_lead_create(
        by=users["yuci_staff"],
        name="榆次吉利配套项目",
        investor_name="吉利汽车\u200b晋中基地",
        region=Region.objects.get(code="140702"),
        planned_investment="5000",
    )
    assert project.investor == geely
    assert Enterprise.objects.filter(name__contains="吉利汽车").count() == 1
    assert len(conflicts) == 1
    assert conflicts[0].holder.investor == geely
    assert conflicts[0].matched_by in ("credit_code", "name")  # the same enterprise: both hold


def test_a_direction_override_in_a_name_is_refused_with_a_message(users, api_as):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.quick_lead_create(
            by=users["yuci_staff"],
            name="榆次吉利配套项目",
            investor_name="吉利汽车\u202e晋中基地",
            region=Region.objects.get(code="140702"),
            planned_investment="5000",
        )
    assert "不可见" in caught.value.message_dict["investor_name"][0]
    assert not Project.objects.filter(name="榆次吉利配套项目").exists()

    client = api_as(users["city_staff"])
    response = client.post("/api/v1/projects/", _new_project(name="吉利\u202e项目"), format="json")
    assert response.status_code == 400
    assert "不可见" in response.json()["fields"]["name"][0]
    response = client.post("/api/v1/enterprises/", {"name": "新\u2066企业"}, format="json")
    assert response.status_code == 400
    assert "不可见" in response.json()["fields"]["name"][0]
    assert not Enterprise.objects.filter(name__startswith="新\u2066").exists()


# --- 4. 首报首谈 on the API ----------------------------------------------------------------------
def test_creating_a_project_through_the_api_raises_the_first_report_conflict(users, api_as):
    geely = Enterprise.objects.get(name=GEELY)
    response = api_as(users["yuci_staff"]).post(
        "/api/v1/projects/",
        _new_project(name="榆次吉利API项目", investor=geely.pk),
        format="json",
    )
    assert response.status_code == 201, response.json()
    conflict = ClaimConflict.objects.get(project_id=response.json()["id"])
    assert conflict.holder.investor == geely and conflict.holder.region.code != "140702"
    assert conflict.status == ClaimConflict.Status.OPEN


def test_moving_a_project_to_another_investor_through_the_api_checks_the_claim(users, api_as):
    geely = Enterprise.objects.get(name=GEELY)
    newcomer = enterprise_services.enterprise_create(name="榆次新结识投资有限公司")
    client = api_as(users["yuci_staff"])
    created = client.post(
        "/api/v1/projects/",
        _new_project(name="榆次换投资方", investor=newcomer.pk),
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert not ClaimConflict.objects.filter(project_id=pk, holder__investor=geely).exists()
    patched = client.patch(f"/api/v1/projects/{pk}/", {"investor": geely.pk}, format="json")
    assert patched.status_code == 200, patched.json()
    assert ClaimConflict.objects.filter(project_id=pk, holder__investor=geely).exists()


# --- 5. funds before the signing ------------------------------------------------------------------
def test_funds_dated_before_the_signing_month_are_refused_through_the_api(users, api_as):
    project = _signed_project()
    earlier = (project.signed_on.replace(day=1) - dt.timedelta(days=1)).isoformat()
    client = api_as(users["city_staff"])
    response = client.post(
        "/api/v1/funds-in-place/",
        {"project": project.pk, "month": earlier, "amount": "100"},
        format="json",
    )
    assert response.status_code == 400
    _is_error_shape(response.json(), 400)
    assert "month" in response.json()["fields"]
    assert "签约" in response.json()["fields"]["month"][0]
    assert not FundsInPlace.objects.filter(project=project, month=earlier[:8] + "01").exists()
    same_month = client.post(
        "/api/v1/funds-in-place/",
        {"project": project.pk, "month": project.signed_on.isoformat(), "amount": "100"},
        format="json",
    )
    assert same_month.status_code == 201, same_month.json()


# --- 6. the language of errors --------------------------------------------------------------------
def test_a_403_answers_in_chinese_by_default(users, api_as):
    response = api_as(users["api_reader"]).post("/api/v1/projects/", _new_project(), format="json")
    assert response.status_code == 403
    _is_error_shape(response.json(), 403)


def test_a_read_only_token_403_answers_in_chinese(users, api_as):
    client = api_as(users["city_staff"], read_only=True)
    response = client.post("/api/v1/projects/", _new_project(), format="json")
    assert response.status_code == 403
    _is_error_shape(response.json(), 403)


def test_errors_follow_the_requests_language(users, api_as):
    client = api_as(users["api_reader"])
    response = client.post(
        "/api/v1/projects/", _new_project(), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert not CHINESE.search(response.json()["detail"])
    missing = client.get("/api/v1/projects/999999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and not CHINESE.search(missing.json()["detail"])
    missing = client.get("/api/v1/projects/999999999/")
    assert missing.status_code == 404 and CHINESE.search(missing.json()["detail"])
