"""Building blocks shared by every app's API: lean list rows, CSV / xlsx export, scoped 404s."""

from __future__ import annotations

import csv
import functools
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import FileResponse, Http404, StreamingHttpResponse
from django_filters.utils import translate_validation
from openpyxl import Workbook
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from accounts.scoping import scope_key

from .filters import FilterBackend
from .plans import NotPlannable, PlannedRows, split_filter_values
from .renderers import CSVRenderer, FastJSONRenderer, XLSXRenderer, neutralise

EXPORT_CHUNK = 2000


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(columns: list[str], rows: Iterable[dict], filename: str) -> StreamingHttpResponse:
    """UTF-8 with a BOM (Excel shows Chinese garbled without it), one row at a time."""
    writer = csv.writer(_Echo())

    def generate() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(columns)
        for row in rows:
            yield writer.writerow([neutralise(row.get(c)) for c in columns])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_file(columns: list[str], rows: Iterable[dict], filename: str) -> FileResponse:
    """openpyxl's write-only mode keeps memory flat; the file is spooled to disk, then streamed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(filename[:31])
    sheet.append(columns)
    for row in rows:
        cells = []
        for c in columns:
            value = neutralise(row.get(c))
            # Excel has 15 significant digits: money goes in as text so it stays exact.
            cells.append(str(value) if isinstance(value, Decimal) else value)
        sheet.append(cells)
    # Closed by FileResponse once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type=XLSXRenderer.media_type,
    )


class JsonErrorsMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        # Errors stay JSON even when a CSV, xlsx or YAML document was asked for.
        fmt = getattr(getattr(request, "accepted_renderer", None), "format", None)
        if fmt not in (None, "json", "api") and getattr(response, "status_code", 200) >= 400:
            request.accepted_renderer = FastJSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class ApiViewSet(JsonErrorsMixin, viewsets.GenericViewSet):
    """Base for every API view set.

    - `list_fields`: output name -> ORM path. When set, lists are read with `.values()` (no model
      instances, no serializer per row): the same JSON as the list serializer, several times faster.
    - `?format=csv` / `?format=xlsx` on a list streams every matching row (no pagination).
    """

    list_fields: dict[str, str] | None = None
    planned_model = None  # the listed model, for lists read through plans: see planned_rows
    export_name = "export"
    cursor_ordering = "-id"

    def perform_content_negotiation(self, request, force=False):
        # `format=csv|xlsx` means something only on lists; elsewhere (a detail, a wrong method)
        # answer JSON rather than DRF's 404 for a format the view does not have.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) in ("csv", "xlsx"):
                return (FastJSONRenderer(), FastJSONRenderer.media_type)
            raise

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action == "list":
            renderers += [CSVRenderer(), XLSXRenderer()]
        return renderers

    # -- rows --------------------------------------------------------------------------------
    def values_rows(self, queryset) -> Iterator[dict]:
        names = list(self.list_fields)
        paths = list(self.list_fields.values())
        for values in queryset.values_list(*paths):
            yield dict(zip(names, values, strict=True))

    def _rename(self, rows: list[dict], keys: dict[str, str] | None = None) -> list[dict]:
        items = list((keys or self.list_fields).items())
        return [{name: row[key] for name, key in items} for row in rows]

    def page_values(self, queryset):
        """`.values()` for a page of `list_fields`, each related value (`region__name`) read by a
        scalar subquery on the related row's key instead of a join. With five joined tables
        PostgreSQL spends most of a page's time choosing a join order (4–8 ms of planning against
        0.5 ms of execution, at 10^4 rows as at 10^6; docs/PERFORMANCE-API.md); a page's
        subqueries are planned one table at a time and run once per row shown (the planner
        evaluates them after the sort and LIMIT). They find the row a join would, so the rows and
        values are the same. Their SQL is made once per model and path (see `_scalar_sql`); exports,
        which read every row, keep the joins. Returns the rows and, per output name, its key in
        a row."""
        keys = _page_keys(queryset.model, tuple(self.list_fields.items()))
        annotations = {}
        for name, path in self.list_fields.items():
            if keys[name] != path:
                scalar = _page_scalars(queryset.model, path)
                # Identifiers from model metadata, quoted; no value from the request.
                annotations[keys[name]] = RawSQL(scalar[0], (), output_field=scalar[1])  # noqa: S611  # nosec B611
        rows = queryset.annotate(**annotations).values(*dict.fromkeys(keys.values()))
        return rows, keys

    def planned_rows(self, request) -> PlannedRows | None:
        """The page's rows, keyed by output name, through a plan compiled once per shape of
        request (core.api.plans), or None where this view's list is built by the ORM on every
        request. A view opts in by naming the listed model as `planned_model` when its
        `get_queryset()` for a list depends on nothing but the user's scope
        (accounts.scoping.scope_key), it filters with FilterBackend alone, and `list_fields` names the
        cursor's ordering field as itself (`"id": "id"`)."""
        model = self.planned_model
        if model is None or list(self.filter_backends) != [FilterBackend]:
            return None
        backend = FilterBackend()
        # The view's queryset is built only where it is used: by a filter set, or to make a plan
        # (an unfiltered page whose plan is made reads none of it).
        base = functools.cache(self.get_queryset)
        filterset = None
        if backend.names_a_filter(request, None, self):
            filterset = backend.get_filterset(request, base(), self)
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
        try:
            shape, free = split_filter_values(filterset) if filterset is not None else ((), {})
        except NotPlannable:
            return None
        cleaned = filterset.form.cleaned_data if filterset is not None else {}

        def filtered(values: dict):
            qs = base()
            for name, value in cleaned.items():  # as django-filter's FilterSet.filter_queryset
                qs = filterset.filters[name].filter(qs, values.get(name, value))
            return qs

        fields = tuple(self.list_fields.items())
        return PlannedRows(
            key=(type(self), fields, scope_key(model, request.user), shape),
            values=free,
            build=lambda values: self.page_values(filtered(values))[0],
            count_build=filtered,
            model=model,
            output=tuple(_page_keys(model, fields).items()),
        )

    def export(self, queryset, fmt: str):
        if self.list_fields is not None:
            columns = list(self.list_fields)
            rows: Iterable[dict] = self.values_rows(queryset)
        else:
            serializer = self.get_serializer()
            columns = list(serializer.fields)
            rows = (
                self.get_serializer(obj).data for obj in queryset.iterator(chunk_size=EXPORT_CHUNK)
            )
        if fmt == "csv":
            return stream_csv(columns, rows, self.export_name)
        return xlsx_file(columns, rows, self.export_name)


class ListMixin(mixins.ListModelMixin):
    """List with pagination, the `.values()` fast path and CSV / xlsx export (see ApiViewSet)."""

    def list(self, request, *args, **kwargs):
        fmt = request.accepted_renderer.format
        planned = self.planned_rows(request) if fmt not in ("csv", "xlsx") else None
        if planned is not None and self.paginator is not None:
            page = self.paginate_queryset(planned)
            if page is not None:
                return self.get_paginated_response(page)
        queryset = self.filter_queryset(self.get_queryset())
        if fmt in ("csv", "xlsx"):
            return self.export(queryset, fmt)
        if self.list_fields is None:
            page = self.paginate_queryset(queryset)
            data = self.get_serializer(page, many=True).data
            return self.get_paginated_response(data)
        # `.values()` rows (cursor pagination reads `id` from each dict).
        rows, keys = self.page_values(queryset)
        rows.count_source = queryset  # see pagination.LeanCountPaginator
        page = self.paginate_queryset(rows)
        if page is None:  # no pagination: every row, read with the joins like an export
            paths = dict.fromkeys(self.list_fields.values())
            return Response(self._rename(list(queryset.values(*paths))))
        return self.get_paginated_response(self._rename(page, keys))


@functools.cache
def _page_keys(model, fields: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Per output name, its key in a page's row: the path itself, or the alias of the scalar
    subquery that reads it (see ApiViewSet.page_values)."""
    return {
        name: (path if _page_scalars(model, path) is None else f"page_{name}")
        for name, path in fields
    }


@functools.cache
def _page_scalars(model, path: str):
    """SQL and output field of a scalar subquery that reads `path` (`fk__column`, or through
    several foreign keys, `fk__fk__column`) for a row of `model`'s table, or None when the path
    is a column of the table itself or not a chain of forward foreign keys."""
    if "__" not in path:
        return None
    try:
        return _scalar_sql(model, model._meta.db_table, path)
    except (FieldDoesNotExist, AttributeError):
        return None


def _scalar_sql(model, outer_table: str, path: str):
    qn = connection.ops.quote_name
    head, _, rest = path.partition("__")
    field = model._meta.get_field(head)
    if not (field.many_to_one or field.one_to_one) or not field.concrete:
        raise AttributeError(path)
    related = field.related_model
    table = related._meta.db_table
    if table == outer_table:  # a self-reference: the inner name would hide the outer row
        raise AttributeError(path)
    if "__" in rest:
        value, output = _scalar_sql(related, table, rest)
    else:
        output = related._meta.get_field(rest)
        if not output.concrete or output.is_relation:
            raise AttributeError(path)
        value = f"{qn(table)}.{qn(output.column)}"
    key = f"{qn(table)}.{qn(field.target_field.column)}"
    outer = f"{qn(outer_table)}.{qn(field.column)}"
    return f"(SELECT {value} FROM {qn(table)} WHERE {key} = {outer})", output  # noqa: S608  # nosec B608
