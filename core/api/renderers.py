"""Renderers: fast JSON, and streamed CSV / xlsx for list endpoints (`?format=csv|xlsx`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer

from core.exports import safe_cell


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "__html__") or hasattr(value, "_proxy____cast"):  # lazy translations
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class FastJSONRenderer(JSONRenderer):
    """orjson: the same output as DRF's renderer (decimals as strings, ISO dates), several times
    faster on long lists."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


def neutralise(value) -> object:
    """Make a cell safe to open in Excel: text that would start a formula gets a leading quote.
    Numbers stay numbers (a negative number is data, not a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return safe_cell(str(value))  # the one formula-injection rule (core.exports)


class CSVRenderer(BaseRenderer):
    """Placeholder renderer so `?format=csv` is accepted; the list view streams the actual file."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only reached for errors (400/401/404...): render them as JSON text.
        return orjson.dumps(data, default=_default)


class XLSXRenderer(BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return orjson.dumps(data, default=_default)
