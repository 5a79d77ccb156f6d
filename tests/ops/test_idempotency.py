"""API create and advance with an Idempotency-Key: a repeat within 24 h returns the first response
and creates nothing; the key lives in the database, so another process would answer the same."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from core.idempotency import expire_old_keys
from core.models import IdempotencyKey
from projects.models import Project, StageChange
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(demo_users) -> APIClient:
    user = demo_users["yuci_staff"]
    _token, plain = services.api_token_create(user=user, by=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    return api


def _body() -> dict:
    return {
        "name": "幂等测试项目",
        "investor": make_enterprise().pk,
        "region": "140702",
        "planned_investment": "1200",
        "registered_on": "2024-05-01",
    }


def test_a_repeated_create_returns_the_first_response_and_creates_nothing(client):
    body, key = _body(), str(uuid.uuid4())
    first = client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Project.objects.filter(name="幂等测试项目").count() == 1
    assert IdempotencyKey.objects.filter(key=key).count() == 1  # in the database, not a process


def test_a_repeated_advance_moves_the_stage_once(client):
    project_id = client.post("/api/v1/projects/", _body(), format="json").json()["id"]
    key = str(uuid.uuid4())
    url = f"/api/v1/projects/{project_id}/advance/"
    body = {"to": "signed", "on": "2024-06-01"}
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 200, first.content
    changes = StageChange.objects.filter(project_id=project_id).count()
    again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert StageChange.objects.filter(project_id=project_id).count() == changes


def test_without_a_key_each_create_is_new(client):
    body = _body()
    client.post("/api/v1/projects/", body, format="json")
    client.post("/api/v1/projects/", body, format="json")
    assert Project.objects.filter(name="幂等测试项目").count() == 2


def test_the_same_key_for_a_different_request_is_refused(client):
    key = str(uuid.uuid4())
    client.post("/api/v1/projects/", _body(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = client.post(
        "/api/v1/projects/", {**_body(), "name": "另一个"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert not Project.objects.filter(name="另一个").exists()


def test_another_clients_key_never_answers_for_this_one(client, demo_users):
    key, body = str(uuid.uuid4()), _body()
    client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    user = demo_users["city_staff"]
    _token, plain = services.api_token_create(user=user, by=user)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    response = other.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Project.objects.filter(name="幂等测试项目").count() == 2


def test_after_24_hours_the_key_is_forgotten(client):
    key, body = str(uuid.uuid4()), _body()
    client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert expire_old_keys() == 1
    client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert Project.objects.filter(name="幂等测试项目").count() == 2


class _Killed(BaseException):
    """The process dying between the write and the stored answer (as a SIGKILL would: no handler
    of ours runs; the database rolls back what was not committed)."""


def test_a_request_cut_off_after_its_write_leaves_nothing_and_its_retry_creates_once(
    client, monkeypatch
):
    body, key = _body(), str(uuid.uuid4())
    original_save = IdempotencyKey.save

    def die_once(self, *args, **kwargs):
        if not kwargs.get("update_fields"):  # the key's claim (create)
            return original_save(self, *args, **kwargs)
        monkeypatch.setattr(IdempotencyKey, "save", original_save)
        raise _Killed  # storing the answer: the project is written by now

    monkeypatch.setattr(IdempotencyKey, "save", die_once)
    with pytest.raises(_Killed):
        client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    # The write and the key went together: no project, and no key stuck "in progress".
    assert not Project.objects.filter(name="幂等测试项目").exists()
    assert not IdempotencyKey.objects.filter(key=key).exists()

    retry = client.post("/api/v1/projects/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert retry.status_code == 201, retry.content
    assert Project.objects.filter(name="幂等测试项目").count() == 1
