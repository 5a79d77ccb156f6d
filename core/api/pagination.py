"""Page numbers for people, cursors for programs that walk a whole list.

`?page=N&page_size=M` (M ≤ 500) answers `{count, next, previous, results}`; `count` is exact up to
10,000 rows and 10,000 beyond (core.pagination: it stops counting there), and page numbers reach
the first 10,000 rows. `?cursor=` (empty, to
start) walks the list by primary key without counting it: `{next, previous, results}` and no COUNT(*)
per page, so walking 10^6 rows costs the same per page as walking 100.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

from core import pagination as counting
from core.pagination import CappedPaginator

MAX_PAGE_SIZE = 500


class _Pages(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = CappedPaginator

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            if _page_beyond_cap(request, self):
                raise NotFound(
                    _(
                        "Page numbers reach the first %(cap)s rows; walk longer lists with "
                        "cursor pages (cursor=)."
                    )
                    % {"cap": counting.COUNT_CAP}
                ) from None
            raise


class _Cursor(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # The primary key: unique and never changes, so no row is skipped or repeated mid-walk.
    ordering = "-id"

    def get_ordering(self, request, queryset, view):
        return (getattr(view, "cursor_ordering", None) or self.ordering,)

    def decode_cursor(self, request):
        # `?cursor=` with no value starts a cursor walk at the first page.
        if not request.query_params.get(self.cursor_query_param):
            return None
        cursor = super().decode_cursor(request)
        # Positions are primary keys (see ApiViewSet.cursor_ordering): a cursor made by hand with
        # another position is as invalid as one that does not decode (it was a 500).
        position = cursor.position
        if position is not None and not (position.isascii() and position.lstrip("-").isdigit()):
            raise NotFound(self.invalid_cursor_message)
        return cursor


class PageOrCursorPagination:
    """Delegates to page-number or cursor pagination depending on whether `cursor` is in the query."""

    cursor_query_param = "cursor"

    def __init__(self) -> None:
        self.pages = _Pages()
        self.cursor = _Cursor()
        self.active = self.pages

    # -- DRF pagination interface -------------------------------------------------------------
    def paginate_queryset(self, queryset, request, view=None):
        self.active = self.cursor if self.cursor_query_param in request.query_params else self.pages
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.active.get_paginated_response(data)

    def get_results(self, data):
        return data["results"]

    def to_html(self):
        return self.active.to_html()

    @property
    def display_page_controls(self):
        return getattr(self.active, "display_page_controls", False)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": (
                        "Matching rows, exact up to 10,000 and 10,000 beyond (page-number "
                        "pagination only; absent with cursor)."
                    ),
                    "example": 123,
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://crm.example.gov.cn/api/v1/projects/?page=3",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://crm.example.gov.cn/api/v1/projects/?page=1",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "Page number (页码).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {MAX_PAGE_SIZE} (每页行数).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": (
                    "Cursor pagination: pass an empty `cursor=` to start, then follow `next`. "
                    "No total count (游标分页)."
                ),
                "schema": {"type": "string"},
            },
        ]


def _page_beyond_cap(request, pages: _Pages) -> bool:
    try:
        number = int(request.query_params.get(pages.page_query_param, 1))
    except ValueError:
        return False
    return (number - 1) * pages.get_page_size(request) >= counting.COUNT_CAP
