"""/api/: version 1 of the REST API, its OpenAPI schema and the offline docs."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts.api.views import TokenView
from core.api.errors import json_not_found
from core.api.views_base import JsonErrorsMixin


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    pass


v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("", include("core.api.urls")),
    path("", include("enterprises.api.urls")),
    path("", include("projects.api.urls")),
    path("", include("dashboards.api.urls")),
    path("", include("events.api.urls")),
    path("", include("targets.api.urls")),
    path("", include("lights.api.urls")),
    path("", include("scoring.api.urls")),
    path("", include("verification.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (`?script`): the site's CSP
    # refuses inline scripts. Both templates drop drf-spectacular's inline styles (and Redoc's
    # Google Fonts). Redoc itself writes its styles into <style> elements (styled-components,
    # with no nonce support in its bundle) and runs its search in a worker made from a blob: URL,
    # so that one page of our own schema allows inline styles and blob: workers; scripts stay
    # 'self' only. (Its footer's Redocly logo, an image on cdn.redoc.ly, stays refused: img-src
    # 'self'; the link's text shows instead.)
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path(
        "redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
    re_path(r"^.*$", json_not_found),
]
