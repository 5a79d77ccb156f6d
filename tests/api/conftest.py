"""API test fixtures: token clients per demo user (demo_data comes from tests/conftest.py)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts import services


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in Redis (the cache's database): start with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users(db, demo_users):
    return demo_users


def token_for(user, *, read_only: bool = False) -> str:
    _token, plain = services.api_token_create(user=user, by=user, read_only=read_only)
    return plain


@pytest.fixture
def api_as(db):
    """api_as(user) -> an APIClient authenticated with a fresh token of that user."""

    def make(user, *, read_only: bool = False) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, read_only=read_only)}")
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Demo users are created per test; PBKDF2's deliberate slowness only slows the suite here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(items):
    """schemathesis names each operation's test `test_…[GET /api/v1/…]`, but pytest 9 builds an
    item's id from the function's own name, so all its items would share one id, and pytest-xdist
    (which schedules by id) would run one of them. Each gets its operation as its id's parameter."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.id.params is None:
            item._id = item.id.with_params(label)
