"""Redis stopped or hung: the API and the pages keep serving reads and writes; the throttle fails
open and says so in the log; what truly needs Redis answers 503 with Retry-After, never 500.

Each test runs against a redis-server of its own (tests/ops/conftest.py), stopped or SIGSTOPped."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from core.models import Region
from projects.models import Project
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db


def _api_session(username: str) -> APIClient:
    """Password -> token -> an authenticated client, as a script does."""
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": "demo12345"}, format="json"
    )
    assert response.status_code == 201, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def _api_reads_and_writes(django_capture_on_commit_callbacks) -> None:
    client = _api_session("yuci_staff")
    listed = client.get("/api/v1/projects/")
    assert listed.status_code == 200, listed.content
    investor = make_enterprise()
    with django_capture_on_commit_callbacks(execute=True):  # the refresh is queued after commit
        created = client.post(
            "/api/v1/projects/",
            {
                "name": "断线时录入的项目",
                "investor": investor.pk,
                "region": "140702",
                "planned_investment": "1200",
                "registered_on": "2024-05-01",
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    project_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        advanced = client.post(
            f"/api/v1/projects/{project_id}/advance/",
            {"to": "signed", "on": "2024-06-01"},
            format="json",
        )
    assert advanced.status_code == 200, advanced.content
    assert client.get(f"/api/v1/projects/{project_id}/").json()["stage"] == "signed"
    # The refresh waits in the outbox for the sweep, not lost.
    from rollups.models import Outbox

    assert Outbox.objects.exists()


def _pages_read_and_write(client, django_capture_on_commit_callbacks) -> None:
    response = client.post(
        "/accounts/login/", {"username": "yuci_staff", "password": "demo12345"}, follow=True
    )
    assert response.status_code == 200 and response.wsgi_request.user.is_authenticated
    assert client.get("/projects/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            "/projects/new/",
            {
                "token": str(uuid.uuid4()),
                "name": "断线时的线索",
                "investor_name": "某某科技有限公司",
                "credit_code": "",
                "region": Region.objects.get(code="140702").pk,
                "chain": "",
                "planned_investment": "3.5亿",
                "contact_name": "张经理",
                "contact_mobile": "13912345678",
            },
        )
    assert saved.status_code == 302, saved.content.decode()[:500]
    project = Project.objects.get(name="断线时的线索")
    assert client.get(f"/projects/{project.pk}/").status_code == 200


def test_every_redis_call_on_a_request_gives_up_within_half_a_second():
    assert django_settings.REDIS_SOCKET_TIMEOUT <= 0.5
    if django_settings.REDIS_URL:
        options = django_settings.CACHES["default"]["OPTIONS"]
        assert options["socket_timeout"] <= 0.5 and options["socket_connect_timeout"] <= 0.5
        broker = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert broker["socket_timeout"] <= 0.5 and broker["socket_connect_timeout"] <= 0.5


def test_api_serves_reads_and_writes_with_redis_stopped(
    redis_down, demo_users, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        _api_reads_and_writes(django_capture_on_commit_callbacks)
    assert "fail open" in caplog.text


def test_pages_serve_reads_and_writes_with_redis_stopped(
    redis_down, demo_users, client, django_capture_on_commit_callbacks
):
    _pages_read_and_write(client, django_capture_on_commit_callbacks)


def test_api_serves_reads_and_writes_with_redis_hung(
    redis_hung, demo_users, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.WARNING, logger="core.api.throttling"):
        _api_reads_and_writes(django_capture_on_commit_callbacks)
    assert "TimeoutError" in caplog.text  # it waited for the socket timeout, then let it through


def test_pages_serve_reads_and_writes_with_redis_hung(
    redis_hung, demo_users, client, django_capture_on_commit_callbacks
):
    _pages_read_and_write(client, django_capture_on_commit_callbacks)


def test_a_page_that_truly_needs_redis_answers_503_with_retry_after(redis_down, demo_users, client):
    """An import's progress bar is kept in Redis: without it the page says "try again", not 500."""
    from imports.models import ImportBatch, Kind

    user = demo_users["yuci_staff"]
    client.force_login(user)
    batch = ImportBatch.objects.create(
        kind=Kind.PROJECTS, filename="台账.xlsx", file_data=b"", created_by=user
    )
    response = client.get(f"/imports/{batch.pk}/status/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "503" in response.content.decode()


def test_an_api_call_that_truly_needs_redis_answers_503_in_the_error_shape(redis_down, db):
    """The API's exception handler, given the real error redis-py raises for the stopped server."""
    from django.core.cache import cache

    from core.api.errors import api_exception_handler

    with pytest.raises(Exception) as raised:
        cache.get("anything")
    response = api_exception_handler(raised.value, {"view": None})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.data["status"] == 503 and response.data["code"] == "service_unavailable"
