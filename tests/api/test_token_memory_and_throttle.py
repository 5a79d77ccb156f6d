"""A token found valid is remembered a few seconds (no query per request), yet revocation, expiry
and deactivation still take effect; the throttles count in one Redis round trip and still refuse."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accounts import services
from accounts.models import ApiToken
from core.api import auth, throttling
from core.api.throttling import UserRateThrottle


@pytest.fixture(autouse=True)
def _forget_tokens():
    auth.forget_tokens()
    yield
    auth.forget_tokens()


def _client(plain: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    return client


def _token_queries(client, url="/api/v1/regions/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return sum("accounts_apitoken" in q["sql"] for q in ctx.captured_queries)


def test_a_repeated_token_costs_no_query(users):
    _token, plain = services.api_token_create(user=users["api_reader"], by=users["api_reader"])
    client = _client(plain)
    assert _token_queries(client) == 1
    assert _token_queries(client) == 0


def test_a_revoked_token_is_refused_at_once(users):
    token, plain = services.api_token_create(user=users["api_reader"], by=users["api_reader"])
    client = _client(plain)
    assert client.get("/api/v1/regions/").status_code == 200  # now remembered
    services.api_token_revoke(token=token, by=users["api_reader"])
    assert client.get("/api/v1/regions/").status_code == 401


def test_a_token_deleted_by_another_process_is_refused_within_seconds(users, monkeypatch):
    token, plain = services.api_token_create(user=users["api_reader"], by=users["api_reader"])
    client = _client(plain)
    assert client.get("/api/v1/regions/").status_code == 200
    with connection.cursor() as cursor:  # no signal: as if another gunicorn worker revoked it
        cursor.execute("DELETE FROM accounts_apitoken WHERE digest = %s", [token.digest])
    now = auth.time.monotonic()
    monkeypatch.setattr(auth.time, "monotonic", lambda: now + auth.cache_seconds() + 0.01)
    assert client.get("/api/v1/regions/").status_code == 401


def test_a_remembered_token_still_expires(users, monkeypatch):
    token, plain = services.api_token_create(
        user=users["api_reader"], by=users["api_reader"], expires_in=dt.timedelta(days=1)
    )
    client = _client(plain)
    assert client.get("/api/v1/regions/").status_code == 200
    later = timezone.now() + dt.timedelta(days=1, seconds=1)
    monkeypatch.setattr(auth.timezone, "now", lambda: later)
    assert client.get("/api/v1/regions/").status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()  # refused and deleted


def test_a_deactivated_user_is_refused_at_once(users):
    user = users["api_reader"]
    _token, plain = services.api_token_create(user=user, by=user)
    client = _client(plain)
    assert client.get("/api/v1/regions/").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/api/v1/regions/").status_code == 401


def test_user_throttle_refuses_in_the_error_shape(users, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "3/min", raising=False)
    _token, plain = services.api_token_create(user=users["api_reader"], by=users["api_reader"])
    client = _client(plain)
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = client.get("/api/v1/regions/")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_throttle_window_slides(users, monkeypatch):
    clock = [6000.0]  # the start of a one-minute window
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: clock[0])

    def allowed() -> bool:
        request = Request(APIRequestFactory().get("/"))
        request.user = users["api_reader"]
        throttle = UserRateThrottle()
        throttle.rate, throttle.num_requests, throttle.duration = "4/min", 4, 60
        return throttle.allow_request(request, None)

    assert [allowed() for _ in range(5)] == [True, True, True, True, False]
    clock[0] += 60  # next window: the previous one's 4 still weigh fully
    assert not allowed()
    clock[0] += 30  # half-way: they weigh 2
    assert [allowed(), allowed(), allowed()] == [True, True, False]
    clock[0] += 60  # half-way into the window after: the last one's 2 weigh 1
    assert [allowed(), allowed(), allowed(), allowed()] == [True, True, True, False]


def test_a_high_rate_is_counted_in_leases_and_never_exceeded(users, monkeypatch):
    clock = [12000.0]  # the start of a one-minute window
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: clock[0])
    user = users["api_reader"]

    def allowed() -> bool:
        request = Request(APIRequestFactory().get("/"))
        request.user = user
        throttle = UserRateThrottle()
        throttle.rate, throttle.num_requests, throttle.duration = "1000/min", 1000, 60
        return throttle.allow_request(request, None)

    counted = f"throttle_user_{user.pk}:{int(clock[0] // 60)}"
    assert throttling.lease_size(1000) == 10
    assert [allowed() for _ in range(25)] == [True] * 25
    assert cache.get(counted) == 30  # three round trips to Redis for 25 requests
    answers = [allowed() for _ in range(1000)]
    assert answers == [True] * 975 + [False] * 25  # exactly the rate, no more
    assert cache.get(counted) == 1000  # refused requests do not count
    throttling.forget_leases()  # as another worker process: nothing leased there
    assert not allowed()
    clock[0] += 90  # half-way into the next window: the previous 1,000 weigh 500
    assert sum(allowed() for _ in range(600)) == 500
