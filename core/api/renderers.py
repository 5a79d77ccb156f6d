"""Renderers for list endpoints' files (`?format=csv|xlsx`); JSON is drf-orjson-renderer's
ORJSONRenderer (settings.REST_FRAMEWORK)."""

from __future__ import annotations

from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Placeholder renderer so `?format=csv` is accepted; the list view streams the actual file."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only reached for errors (400/401/404...): render them as JSON text.
        return ORJSONRenderer().render(data)


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return ORJSONRenderer().render(data)
