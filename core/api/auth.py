"""API tokens are django-rest-knox's (hashed, expiring, looked up on every request, so a revoked token
or a deactivated user is refused at once in every process), with one change: `TokenAuthentication`
checks the expiry of the token presented only.

knox's own also reads every other token of the user on each request, to delete the expired ones: a
second query per API request, where an API list page has a budget of three (issue 19,
docs/PERFORMANCE.md). An expired token is refused either way (its own expiry is checked here, and it
is deleted when presented); the user's other expired tokens are deleted when they next create one
(accounts.services.api_token_create), not on every read.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth
from knox.signals import token_expired


class TokenAuthentication(auth.TokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        """True (and the token deleted) when the presented token has expired."""
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        username = auth_token.user.get_username()
        auth_token.delete()
        token_expired.send(sender=self.__class__, username=username, source="auth_token")
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.auth.TokenAuthentication"
    name = "tokenAuth"
    priority = 1  # over drf-spectacular's own knox extension: ours documents where tokens come from

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
