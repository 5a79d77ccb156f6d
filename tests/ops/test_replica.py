"""The replica router (jinzhong_crm/replica.py): with REPLICA_URL set, dashboards and the API's lists
read from the replica; writes, detail reads, logins and a client's reads right after its own write
use the primary. The router's choices are recorded here (and every query still runs on the test
database: the rehearsal, `make rehearse`, runs them against a real streaming replica)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
from core.models import Region
from jinzhong_crm import replica
from jinzhong_crm.replica import PRIMARY, REPLICA, ReplicaRouter
from projects.models import Project
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db

CHOICES: list[tuple[str, str]] = []


class RecordingRouter(ReplicaRouter):
    """Notes what ReplicaRouter chose, then lets the query run on the test database."""

    def db_for_read(self, model, **hints) -> str:
        CHOICES.append((model._meta.label, super().db_for_read(model, **hints)))
        return PRIMARY


@pytest.fixture
def routed(settings, monkeypatch) -> list[tuple[str, str]]:
    settings.DATABASE_ROUTERS = ["tests.ops.test_replica.RecordingRouter"]
    monkeypatch.setattr(replica, "enabled", lambda: True)
    CHOICES.clear()
    return CHOICES


@pytest.fixture
def api(demo_users) -> APIClient:
    user = demo_users["city_staff"]
    _token, plain = services.api_token_create(user=user, by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    return client


def _used(choices, label: str) -> set[str]:
    return {db for model, db in choices if model == label}


def test_api_lists_read_projects_from_the_replica_and_tokens_from_the_primary(routed, api):
    assert api.get("/api/v1/projects/").status_code == 200
    assert _used(routed, "projects.Project") == {REPLICA}
    assert _used(routed, "accounts.ApiToken") == {PRIMARY}


def test_dashboards_read_from_the_replica(routed, client, demo_users):
    client.force_login(demo_users["city_staff"])
    assert client.get("/dashboards/").status_code == 200
    assert REPLICA in {db for _model, db in routed}
    assert _used(routed, "accounts.User") <= {PRIMARY}


def test_a_detail_read_uses_the_primary(routed, api):
    project = Project.objects.create(
        name="主库读取项目",
        investor=make_enterprise(),
        region=Region.objects.get(code="140702"),
        planned_investment="100",
        registered_on="2024-05-01",
    )
    routed.clear()
    assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert _used(routed, "projects.Project") == {PRIMARY}


def test_after_its_own_write_a_client_lists_from_the_primary(routed, api, settings):
    body = {
        "name": "读己所写项目",
        "investor": make_enterprise().pk,
        "region": "140702",
        "planned_investment": "1200",
        "registered_on": "2024-05-01",
    }
    created = api.post("/api/v1/projects/", body, format="json")
    assert created.status_code == 201
    assert created.cookies[replica.WROTE_COOKIE]["max-age"] == settings.REPLICA_STICKY_SECONDS
    routed.clear()
    listed = api.get("/api/v1/projects/")  # the client sends the cookie back
    assert created.json()["id"] in [row["id"] for row in listed.json()["results"]]
    assert _used(routed, "projects.Project") == {PRIMARY}

    # Another client, which wrote nothing, lists from the replica.
    other = APIClient()
    other.credentials(**api._credentials)
    routed.clear()
    other.get("/api/v1/projects/")
    assert _used(routed, "projects.Project") == {REPLICA}


def test_a_write_sends_the_rest_of_the_request_to_the_primary():
    router = ReplicaRouter()
    token = replica._read_from.set(REPLICA)
    try:
        assert router.db_for_read(Project) == REPLICA
        assert router.db_for_write(Project) == PRIMARY
        assert router.db_for_read(Project) == PRIMARY
    finally:
        replica._read_from.reset(token)


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(PRIMARY, "projects")
    assert not router.allow_migrate(REPLICA, "projects")


def test_without_a_replica_every_read_uses_the_primary(settings, api):
    settings.DATABASE_ROUTERS = ["tests.ops.test_replica.RecordingRouter"]
    CHOICES.clear()
    api.get("/api/v1/projects/")
    assert {db for _model, db in CHOICES} == {PRIMARY}
