import json

import pytest


@pytest.mark.django_db
def test_healthz_reports_redis_down_with_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "down"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False


@pytest.mark.django_db
def test_healthz_needs_no_login_and_names_every_service(client):
    body = json.loads(client.get("/healthz").content)
    assert set(body["checks"]) == {"database", "redis", "celery"}
    assert body["checks"]["database"]["detail"] == "postgresql"
