"""API tokens are plain django-rest-knox (`knox.auth.TokenAuthentication`, settings.REST_FRAMEWORK):
hashed, expiring, looked up on every request, so a revoked token or a deactivated user is refused
at once in every process. Only the OpenAPI description of the scheme lives here.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "knox.auth.TokenAuthentication"
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
