"""Page numbers over lists that may hold a million rows: a count that stops at COUNT_CAP.

An exact COUNT(*) reads every matching row (at 10^6 projects an unfiltered count reads the whole
primary-key index, 0.1–0.5 s); nobody pages through more than a few thousand rows by number. So
lists count at most COUNT_CAP + 1 rows, as large sites do: up to COUNT_CAP the count is exact,
beyond it the page says "10,000+" and page numbers reach the first COUNT_CAP rows only. The API's
cursor pages (core.api.pagination) walk any length without counting.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.utils.formats import number_format
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_totals(queryset: QuerySet, **aggregates) -> tuple[dict, bool]:
    """({"count": …, **aggregates}, capped) over at most COUNT_CAP + 1 rows of `queryset`, in one
    `SELECT COUNT(*), … FROM (SELECT … LIMIT COUNT_CAP + 1)`, unordered and without the joins
    select_related adds or the annotations it selects. Up to COUNT_CAP rows everything is exact; beyond, `capped` is True, the
    count is COUNT_CAP and the other aggregates cover an arbitrary part of the rows: do not show
    them."""
    counted = queryset.order_by()
    # Without DISTINCT or GROUP BY each row is one model row (instances, or `.values()` of an API
    # page's columns and related names): the key alone is counted, and values a page shows by
    # annotation are not computed for the rows counted (those filtered on stay).
    if not counted.query.distinct and counted.query.group_by is None:
        counted = counted.values("pk")
    totals = counted[: COUNT_CAP + 1].aggregate(count=Count("pk"), **aggregates)
    capped = totals["count"] > COUNT_CAP
    totals["count"] = min(totals["count"], COUNT_CAP)
    return totals, capped


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """(count, capped): see capped_totals."""
    totals, capped = capped_totals(queryset)
    return totals["count"], capped


class CappedPaginator(Paginator):
    """A Django paginator whose count is capped (see capped_count). `count`, when known already
    (the page's totals counted it), is passed in so a view counts once."""

    def __init__(self, object_list, per_page, *, count: int | None = None, capped=False, **kw):
        super().__init__(object_list, per_page, **kw)
        if count is not None:
            self.__dict__["count"] = min(count, COUNT_CAP)  # the cached_property's slot
            self.capped = capped or count > COUNT_CAP

    @cached_property
    def count(self) -> int:
        n, self.capped = capped_count(self.object_list)
        return n

    @property
    def count_label(self) -> str:
        """The count as shown: "10,000+" when there are more."""
        label = number_format(self.count, force_grouping=True)
        return f"{label}+" if self.capped else label
