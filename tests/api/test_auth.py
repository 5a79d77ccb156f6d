"""Tokens: password -> token, hashed at rest, expiring, read-only, revocable; no Basic auth; closed."""

import base64
import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken

LISTS = [
    "/api/v1/projects/",
    "/api/v1/enterprises/",
    "/api/v1/parks/",
    "/api/v1/regions/",
    "/api/v1/industry-chains/",
    "/api/v1/chain-links/",
    "/api/v1/promotion-methods/",
    "/api/v1/follow-ups/",
    "/api/v1/funds-in-place/",
    "/api/v1/rollups/",
    "/api/schema/",
]


@pytest.mark.parametrize("url", LISTS)
def test_every_endpoint_refuses_anonymous_requests(db, url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_password_gives_a_token_that_authenticates(users):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "api_reader", "password": "demo12345"},
        format="json",
    )
    assert response.status_code == 201
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/regions/").status_code == 200


def test_token_is_stored_only_as_a_hash(users):
    token, plain = services.api_token_create(user=users["api_reader"], by=users["api_reader"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert plain not in stored.digest
    assert stored.token_key == plain[: len(stored.token_key)]
    assert not ApiToken.objects.filter(digest=plain).exists()


def test_wrong_password_is_refused_in_the_error_shape(users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "api_reader", "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"status", "code", "detail"}
    assert body["status"] == 401


def test_basic_auth_is_not_accepted(users):
    credentials = base64.b64encode(b"api_reader:demo12345").decode()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert client.get("/api/v1/regions/").status_code == 401


def test_expired_token_is_refused(users):
    token, plain = services.api_token_create(
        user=users["api_reader"], by=users["api_reader"], expires_in=dt.timedelta(days=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    assert client.get("/api/v1/regions/").status_code == 401


def test_revoked_token_is_refused(users):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "city_staff", "password": "demo12345"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/regions/").status_code == 401


def test_read_only_token_cannot_write_even_for_an_editor(users, api_as):
    client = api_as(users["city_staff"], read_only=True)
    assert client.get("/api/v1/projects/").status_code == 200
    response = client.post("/api/v1/enterprises/", {"name": "只读测试公司"}, format="json")
    assert response.status_code == 403


def test_reader_roles_cannot_write(users, api_as):
    for username in ("api_reader", "leader", "yuci_official"):
        response = api_as(users[username]).post(
            "/api/v1/enterprises/", {"name": "不该建立的公司"}, format="json"
        )
        assert response.status_code == 403, username


def test_only_admins_create_tokens_for_others(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.api_token_create(user=users["api_reader"], by=users["city_staff"])
    token, _plain = services.api_token_create(user=users["api_reader"], by=users["admin"])
    assert token.user == users["api_reader"]


def test_token_endpoint_is_throttled(users):
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": "api_reader", "password": "x"}, format="json"
        ).status_code
        for _ in range(12)
    ]
    assert statuses[-1] == 429
    assert 401 in statuses
