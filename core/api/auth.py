"""Token authentication: knox's hashed tokens, with the expiry check limited to the token in hand and
a few seconds' memory of tokens already checked, so that a client's requests do not each cost a query.
"""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token

from accounts.models import ApiToken, User

# digest -> (monotonic time it was read from the database, user, token). Per process.
_checked: dict[str, tuple[float, User, ApiToken]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000  # a bound, not a tuning knob: cleared when reached


def cache_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 3))


def forget_tokens(*, digest: str | None = None, user_id: int | None = None) -> None:
    """Drop remembered tokens: one (by digest), a user's, or all of them (no argument)."""
    with _lock:
        if digest is None and user_id is None:
            _checked.clear()
            return
        for key, (_at, user, _token) in list(_checked.items()):
            if key == digest or (user_id is not None and user.pk == user_id):
                _checked.pop(key, None)


@receiver(post_delete, sender=ApiToken)
@receiver(post_save, sender=ApiToken)
def _token_changed(sender, instance: ApiToken, **kwargs) -> None:
    forget_tokens(digest=instance.digest)


@receiver(post_save, sender=User)
def _user_changed(sender, instance: User, **kwargs) -> None:
    # Deactivated, or another role or region: the next request reads the user afresh.
    forget_tokens(user_id=instance.pk)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`.

    knox deletes all of a user's expired tokens on every request, which costs a query per request;
    here only the presented token is checked (an expired one is refused and deleted). Expired tokens
    of idle users stay in the table until they are presented or revoked, which is harmless: they are
    hashed and refused.

    A token found valid is remembered in this process for `API_TOKEN_CACHE_SECONDS` (3 s; 0 turns
    it off), keyed by its hash, so a client's requests cost no query for authentication. Its expiry
    is checked on every request. Revoking or changing a token, or saving its user (deactivation, a
    new role or region), forgets it at once in the process that did it; other processes (the other
    gunicorn workers) notice within those seconds, when they read it again.
    """

    def authenticate_credentials(self, token: bytes):
        ttl = cache_seconds()
        if ttl <= 0:
            return super().authenticate_credentials(token)
        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeDecodeError, TypeError, ValueError):
            return super().authenticate_credentials(token)
        entry = _checked.get(digest)
        now = time.monotonic()
        if entry is not None and now - entry[0] < ttl:
            _at, user, auth_token = entry
            if auth_token.expiry is None or auth_token.expiry >= timezone.now():
                # Copies: a request may set attributes on its user or token; others must not see them.
                auth_token = copy.copy(auth_token)
                user = copy.copy(user)
                auth_token.user = user
                return self.validate_user(auth_token)
        user, auth_token = super().authenticate_credentials(token)
        with _lock:
            if len(_checked) >= _MAX_ENTRIES:
                _checked.clear()
            _checked[digest] = (now, copy.copy(user), copy.copy(auth_token))
        return user, auth_token

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <token>`, the `token` returned by `POST /api/v1/auth/token/` "
                "(or created on the profile page). 令牌认证。"
            ),
        }
