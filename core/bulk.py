"""Writing many rows of one model with PostgreSQL's COPY (ledger imports).

Django's `bulk_create` prepares every value through each field's `get_db_prep_save` inside the SQL
compiler and sends one large INSERT; for thousands of rows of a wide table that Python work costs
about twice the database's own time. `copy_insert` takes the primary keys from the table's
sequence in one query, fills the `auto_now` / `auto_now_add` timestamps as a save would, and
streams the rows with COPY. Like `bulk_create` it sends no model signals and does not run
`save()`: callers validate first (the services do) and record history themselves.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal

from django.db import connections, router

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A Python value as COPY's text format (NULL is \\N; backslash, tab and newlines escaped)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float | uuid.UUID | dt.date):  # datetime is a date
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    raise TypeError(f"copy_insert cannot write {type(value).__name__} values")


def _text_column(value) -> str:
    return "\\N" if value is None else value.translate(_ESCAPES)


def _plain_column(value) -> str:
    # ids, dates and timestamps: their str / isoformat never needs escaping.
    if value is None:
        return "\\N"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _copy_text(value)


_FORMATTERS = {
    "CharField": _text_column,
    "TextField": _text_column,
    "SlugField": _text_column,
    "EmailField": _text_column,
    "AutoField": _plain_column,
    "BigAutoField": _plain_column,
    "IntegerField": _plain_column,
    "BigIntegerField": _plain_column,
    "PositiveIntegerField": _plain_column,
    "PositiveSmallIntegerField": _plain_column,
    "SmallIntegerField": _plain_column,
    "ForeignKey": _plain_column,
    "DateField": _plain_column,
    "DateTimeField": _plain_column,
}


def _formatter(field):
    """The fastest safe formatter for a column: text columns only escape, numeric and date
    columns only convert; anything else (and any text column holding a non-string) goes through
    `_copy_text`."""
    fmt = _FORMATTERS.get(field.get_internal_type(), _copy_text)
    if fmt is _text_column:
        return lambda v: _text_column(v) if v is None or isinstance(v, str) else _copy_text(v)
    return fmt


def copy_insert(objs: list, *, using: str | None = None) -> list:
    """Insert unsaved instances of one model with COPY; sets their primary keys (drawn from the
    table's sequence) and their auto timestamps, and marks them saved. Returns `objs`."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    using = using or router.db_for_write(model)
    connection = connections[using]
    pk = meta.pk
    fields = list(meta.concrete_fields)
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall() if row[0] is not None)
        if len(ids) != len(objs):
            raise TypeError(f"copy_insert needs a sequence-backed primary key ({meta.label})")
        buf = io.StringIO()
        columns = [(f.attname, _formatter(f)) for f in fields]
        for obj, new_id in zip(objs, ids, strict=True):
            setattr(obj, pk.attname, new_id)
            for f in auto:
                f.pre_save(obj, add=True)
            values = obj.__dict__
            buf.write("\t".join([fmt(values[a]) for a, fmt in columns]))
            buf.write("\n")
            obj._state.adding = False
            obj._state.db = using
        buf.seek(0)
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buf)
    return objs
