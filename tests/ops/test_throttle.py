"""The throttle never lets more than its rate through in a window: N + k requests give exactly N
200s, then 429s with Retry-After, also when they race in several threads (the counting is one
atomic Redis call, not DRF's read-modify-write history)."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts import services
from core.api import throttling

RATE = 7


@pytest.fixture
def low_user_rate(monkeypatch):
    rates = {**throttling.UserRateThrottle.THROTTLE_RATES, "user": f"{RATE}/min"}
    monkeypatch.setattr(throttling.UserRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()  # the counts live in the cache's Redis database
    yield
    cache.clear()


def test_n_plus_k_requests_in_one_window_give_exactly_n_200s_then_429s(low_user_rate, demo_users):
    user = demo_users["api_reader"]
    _token, plain = services.api_token_create(user=user, by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    statuses = [client.get("/api/v1/regions/").status_code for _ in range(RATE + 5)]
    assert statuses == [200] * RATE + [429] * 5
    refused = client.get("/api/v1/regions/")
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_racing_requests_never_pass_more_than_the_rate(low_user_rate, demo_users):
    request = APIRequestFactory().get("/api/v1/regions/")
    request.user = demo_users["api_reader"]
    allowed: list[bool] = []
    lock = threading.Lock()

    def client_burst() -> None:
        for _ in range(10):
            ok = throttling.UserRateThrottle().allow_request(request, APIView())
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=client_burst) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 40 and allowed.count(True) == RATE
