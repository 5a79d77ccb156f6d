"""Token authentication: knox's hashed tokens, with the expiry check limited to the token in hand."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`.

    knox deletes all of a user's expired tokens on every request, which costs a query per request;
    here only the presented token is checked (an expired one is refused and deleted), so a request
    costs one query for authentication. Expired tokens of idle users stay in the table until they
    are presented or revoked, which is harmless: they are hashed and refused.
    """

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
