"""A related row's value read by a scalar subquery on the row's key, not by a join.

`related_value(Project, "region__name")` is
`(SELECT "rv"."name" FROM "core_region" "rv" WHERE "rv"."id" = "projects_project"."region_id")`.
PostgreSQL plans each such subquery on its own, one table and its primary key, where a join of the
projects table with the four or five relations a list shows costs it 5-50 ms to plan (it weighs
every index of the projects table in every join order): more than the page takes to read. The
lists (the /projects/ page's rows, the API's pages) read their names this way (issue 19,
docs/PERFORMANCE.md). Exports, which plan once for every row, keep their joins.

The subquery is written by one small expression (`_Lookup`), not built as a QuerySet and wrapped in
Subquery: resolving and compiling a whole inner query per name was a fifth of an API list page's
CPU (its eight names 1.9 -> 0.7 ms to build and compile). Deeper paths (`project__region__code`)
nest a lookup per hop: `(SELECT code FROM core_region WHERE id = (SELECT region_id FROM
projects_project WHERE id = project_id))`. The row's key is an F() of the outer query, so Django
qualifies it with whatever alias the outer table has; the subquery's own table is aliased "rv",
which Django never uses, so a relation to the same table (a parent) reads the right row. Plain SQL
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from django.db.models import F, Func


class _Lookup(Func):
    """`(SELECT "rv".column FROM table "rv" WHERE "rv".pk = <key>)`: one column of the row whose
    primary key is the expression `key` (None when it is None or names no row)."""

    arity = 1

    def __init__(self, key, *, model, field):
        super().__init__(key, output_field=field)
        self.table_model, self.column_field = model, field

    def as_sql(self, compiler, connection, **extra_context):
        q = connection.ops.quote_name
        meta = self.table_model._meta
        key_sql, params = compiler.compile(self.source_expressions[0])
        # Identifiers from the models' metadata, quoted; the key's own SQL keeps its parameters.
        sql = (
            f'(SELECT "rv".{q(self.column_field.column)} FROM {q(meta.db_table)} "rv" '  # noqa: S608
            f'WHERE "rv".{q(meta.pk.column)} = {key_sql})'
        )
        return sql, params


def _field(model, name: str):
    """A field of `model` by name or attname (`region_id`)."""
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    return model._meta.get_field(name)  # raises FieldDoesNotExist


def related_value(model, path: str) -> _Lookup:
    """`region__name` -> the name of the row's region, None when the relation is empty. Deeper
    paths (`project__region__code`) read a key per hop."""
    head, *hops = path.split("__")
    relation = _field(model, head)
    key = F(relation.attname)
    model = relation.related_model
    for hop in hops[:-1]:
        relation = _field(model, hop)
        key = _Lookup(key, model=model, field=relation)
        model = relation.related_model
    return _Lookup(key, model=model, field=_field(model, hops[-1]))
