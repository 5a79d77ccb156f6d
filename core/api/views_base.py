"""Building blocks shared by every app's API: lean list rows, CSV / xlsx export, scoped 404s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.http import Http404, HttpResponse
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from core.exports import CHUNK_SIZE, ExportColumn, export_response
from core.related import related_value

from .renderers import CSVRenderer, XLSXRenderer


def api_value(value: object) -> object:
    """A cell of an API file holds the value as the API's JSON gives it (README "API"): amounts as
    their decimal string, dates and times ISO 8601, booleans true / false; numbers stay numbers.
    The pages' files write the same values for people (core.exports.cell_value: 3500.25, 是 / 否,
    local time to the minute)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def export_file(fmt: str, keys: dict[str, object], rows: Iterable, filename: str) -> HttpResponse:
    """An API list as `fmt` ("csv" or "xlsx") through core.exports, the one export writer: a
    streamed UTF-8 CSV with a BOM, or a write-only xlsx whose sheet is named `filename`; every cell
    made safe, each value as the API's JSON gives it (`api_value`). `keys`: column header -> where
    its value is in each row (a dict's key, or a tuple's index); a QuerySet of rows is read in
    chunks."""
    columns = [
        ExportColumn(header, lambda row, key=key: api_value(row[key]))
        for header, key in keys.items()
    ]
    return export_response(fmt, columns, rows, filename, sheet_title=filename)


class JsonErrorsMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when a CSV, xlsx or YAML document was asked for.
        fmt = getattr(getattr(request, "accepted_renderer", None), "format", None)
        if fmt not in (None, "json", "api") and getattr(response, "status_code", 200) >= 400:
            request.accepted_renderer = ORJSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class ApiViewSet(JsonErrorsMixin, viewsets.GenericViewSet):
    """Base for every API view set.

    - `list_fields`: output name -> ORM path. A page is read with `.values()`: the model's own
      columns, and each related value by a scalar subquery rather than a join (`page_queryset`),
      then renamed into rows (no model instance, no serializer per row: without the 50 instances
      a page costs 12-16% less CPU). The page-number count reads the key alone (core.pagination
      counts at most 10,001 rows, without the subqueries); cursor pages never count. Exports read
      every row with `.values_list()` and joins, in chunks (core.exports).
    - `?format=csv` / `?format=xlsx` on a list streams every matching row (no pagination).
    """

    list_fields: dict[str, str] | None = None
    export_name = "export"
    cursor_ordering = "-id"

    def perform_content_negotiation(self, request, force=False):
        # `format=csv|xlsx` means something only on lists; elsewhere (a detail, a wrong method)
        # answer JSON rather than DRF's 404 for a format the view does not have.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) in ("csv", "xlsx"):
                return (ORJSONRenderer(), ORJSONRenderer.media_type)
            raise

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action == "list":
            renderers += [CSVRenderer(), XLSXRenderer()]
        return renderers

    # -- rows --------------------------------------------------------------------------------
    def _rename(self, rows: list[dict]) -> list[dict]:
        items = list(self.list_fields.items())
        return [{name: row[path] for name, path in items} for row in rows]

    def page_queryset(self, queryset):
        """The queryset a page of `list_fields` is read from, as `.values()` dicts: the model's own
        columns under their path (`investor_id`) and each related value (`region__name`) by a
        scalar subquery under its alias (core.related: a join of the projects table with the five
        relations its list names took longer to plan than the page to read). The paginator counts
        and slices it (its count leaves the subqueries out); `page_rows` renames the rows."""
        model = queryset.model
        columns, related = [], {}
        for name, path in self.list_fields.items():
            if "__" in path:
                related[_alias(name)] = related_value(model, path)
            else:
                columns.append(path)
        return queryset.select_related(None).values(*columns, **related)

    def page_rows(self, rows: list[dict]) -> list[dict]:
        """A page's `.values()` dicts (page_queryset) under the output names."""
        keys = [
            (name, _alias(name) if "__" in path else path)
            for name, path in self.list_fields.items()
        ]
        return [{name: row[key] for name, key in keys} for row in rows]

    def export(self, queryset, fmt: str):
        if self.list_fields is not None:
            keys = {name: i for i, name in enumerate(self.list_fields)}
            rows: Iterable = queryset.values_list(*self.list_fields.values())
        else:
            keys = {name: name for name in self.get_serializer().fields}
            rows = (
                self.get_serializer(obj).data for obj in queryset.iterator(chunk_size=CHUNK_SIZE)
            )
        return export_file(fmt, keys, rows, self.export_name)


class ListMixin(mixins.ListModelMixin):
    """List with pagination, `list_fields` rows and CSV / xlsx export (see ApiViewSet)."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        fmt = request.accepted_renderer.format
        if fmt in ("csv", "xlsx"):
            return self.export(queryset, fmt)
        if self.list_fields is None:
            page = self.paginate_queryset(queryset)
            data = self.get_serializer(page, many=True).data
            return self.get_paginated_response(data)
        page = self.paginate_queryset(self.page_queryset(queryset))
        if page is None:  # no pagination: every row, read like an export
            paths = dict.fromkeys(self.list_fields.values())
            return Response(self._rename(list(queryset.values(*paths))))
        return self.get_paginated_response(self.page_rows(page))


def _alias(name: str) -> str:
    """The annotation that holds the related value of the output field `name`."""
    return f"list_{name}"
