"""What one save costs the database (issue 19: a save through the service within 3× a bare UPDATE
and its outbox row). An amount edit of a signed project reads the project (locked), writes its
changed columns and its history row, reads the period locks and the verified claims the edit may
make stale, and writes one outbox row: no existence query per foreign key, no read of the funds
months (their cells keep their keys: only a change of region, chain, method, park or flag reads
them), no region lookup for the permission check."""

import datetime as dt
from decimal import Decimal

import lxml.html
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import IndustryChain, Region
from projects import services
from projects.models import Project
from tests.factories import make_project, region

pytestmark = pytest.mark.django_db


def _statements(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_an_amount_edit_costs_six_statements(reference_data, demo_users):
    project = make_project(name="晋中测试项目")
    services.project_advance_stage(project=project, to="signed", on=dt.date(2023, 2, 3), by=None)
    services.funds_record(project=project, month=dt.date(2023, 3, 1), amount=Decimal(50), by=None)
    ContentType.objects.get_for_model(Project)  # Django's own cache, warm in a running server
    with CaptureQueriesContext(connection) as captured:
        services.project_update(project=project, by=None, planned_investment=Decimal("12345"))
    statements = _statements(captured)
    assert len(statements) == 6, "\n".join(statements)
    assert not [s for s in statements if s.startswith('SELECT 1 AS "a"')]  # no FK existence reads
    assert not [s for s in statements if "projects_fundsinplace" in s]
    update = next(s for s in statements if 'UPDATE "projects_project"' in s)
    assert '"name"' not in update  # the changed columns alone
    # Its history record is copied from the row as written (INSERT … SELECT), not built in Python.
    history = [s for s in statements if s.startswith('INSERT INTO "projects_historicalproject"')]
    assert len(history) == 1 and 'FROM "projects_project" t ' in history[0], history
    project.refresh_from_db()
    assert project.planned_investment == Decimal("12345")
    record = project.history.order_by("-history_id").first()
    assert record.history_type == "~" and record.planned_investment == Decimal("12345")
    assert record.prev_record.planned_investment != Decimal("12345")


def test_a_related_object_not_read_from_the_database_is_still_checked(reference_data):
    project = make_project(name="晋中测试项目二")
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, by=None, region=Region(pk=987654, code="x"))
    assert "region" in caught.value.message_dict
    project.refresh_from_db()
    assert project.region_id == region("140702").pk


# --- the same save through the edit page and the API ------------------------------------------------
# Beyond the service's statements, a save through a page or the API reads only who is asking and
# the project's row (in their scope, no join of its relations: the service reads it again, locked);
# the page adds its form's choices, the API its answer (the project with its names by scalar
# subqueries, and its co-investors).
JOIN_OF_RELATIONS = 'JOIN "core_region" ON ("projects_project"."region_id"'


def _signed_project():
    project = make_project(name="晋中测试项目三", chain=IndustryChain.objects.first())
    services.project_advance_stage(project=project, to="signed", on=dt.date(2023, 2, 3), by=None)
    return project


def _edit_form(client, project) -> dict:
    html = client.get(f"/projects/{project.pk}/edit/").content
    form = next(f for f in lxml.html.fromstring(html).forms if "planned_investment" in f.fields)
    return dict(form.form_values())


def test_an_amount_edit_through_the_edit_page(reference_data, demo_users, client):
    project = _signed_project()
    client.force_login(demo_users["city_staff"])
    data = _edit_form(client, project)
    data["planned_investment"] = "23456"
    client.get("/")  # the session and Django's own caches, warm as in a running server
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 302, response.content[:2000]
    statements = _statements(captured)
    # session, user, the project, the form's investor, then the service's 6: the region and the
    # chain, sent back as the project has them, are not read again.
    assert len(statements) == 4 + 6, "\n".join(s[:160] for s in statements)
    assert not [s for s in statements if JOIN_OF_RELATIONS in s]
    assert not [s for s in statements if 'FROM "core_region"' in s or "core_industrychain" in s]
    project.refresh_from_db()
    assert project.planned_investment == Decimal("23456")


def test_a_choice_changed_on_the_edit_page_is_read_and_checked(reference_data, demo_users, client):
    project = _signed_project()
    client.force_login(demo_users["city_staff"])
    data = _edit_form(client, project)
    other = IndustryChain.objects.exclude(pk=project.chain_id).first()
    response = client.post(f"/projects/{project.pk}/edit/", {**data, "chain": str(other.pk)})
    assert response.status_code == 302, response.content[:2000]
    project.refresh_from_db()
    assert project.chain_id == other.pk
    response = client.post(f"/projects/{project.pk}/edit/", {**data, "region": "987654"})
    assert response.status_code == 200  # the form says the choice is not valid
    assert response.context["form"].errors["region"]
    project.refresh_from_db()
    assert project.region_id == region("140702").pk


def test_an_amount_edit_through_the_api(reference_data, demo_users):
    from rest_framework.test import APIClient

    from accounts import services as account_services

    project = _signed_project()
    staff = demo_users["city_staff"]
    _token, plain = account_services.api_token_create(user=staff, by=staff)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    with CaptureQueriesContext(connection) as captured:
        response = api.patch(
            f"/api/v1/projects/{project.pk}/", {"planned_investment": "34567"}, format="json"
        )
    assert response.status_code == 200, response.content[:2000]
    statements = _statements(captured)
    # the token with its user, the project, the service's, the answer and its co-investors.
    assert len(statements) == 2 + 6 + 2, "\n".join(s[:160] for s in statements)
    # The project is found in the caller's scope by its id alone (the service reads the row).
    assert statements[1].startswith('SELECT "projects_project"."id" FROM "projects_project"')
    assert not [s for s in statements if JOIN_OF_RELATIONS in s]
    body = response.json()
    assert body["planned_investment"].startswith("34567")
    assert body["region"] == project.region.code
    assert body["region_name"] == project.region.name
    assert body["investor_name"] == project.investor.name
    assert body["chain"] == project.chain.code
    assert body["chain_name"] == project.chain.name
    assert body["park_name"] is None
    assert body["method"] is None
