"""/api/: version 1 of the REST API, its OpenAPI schema and the offline docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

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
    path("", include("dashboards.api_targets.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^.*$", json_not_found),
]
