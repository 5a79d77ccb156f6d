"""A related row's value read by a scalar subquery on the row's key, not by a join.

`related_value(Project, "region__name")` is `(SELECT name FROM core_region WHERE id = region_id)`.
PostgreSQL plans each such subquery on its own, one table and its primary key, where a join of the
projects table with the four or five relations a list shows costs it 5-50 ms to plan (it weighs
every index of the projects table in every join order): more than the page takes to read. The
lists (the /projects/ page's rows, the API's pages) read their names this way (issue 19,
docs/PERFORMANCE.md). Exports, which plan once for every row, keep their joins.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery


def related_value(model, path: str) -> Subquery:
    """`region__name` -> the name of the row's region, None when the relation is empty. Deeper
    paths (`project__region__code`) join inside the subquery."""
    head, _sep, rest = path.partition("__")
    field = model._meta.get_field(head)
    rows = field.related_model._base_manager.filter(pk=OuterRef(field.attname)).order_by()
    return Subquery(rows.values(rest))
