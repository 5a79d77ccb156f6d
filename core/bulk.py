"""Writing many rows of one model at once (ledger imports): COPY on PostgreSQL, Django's
`bulk_create` on the embedded default (SQLite, `make run`).

Django's `bulk_create` prepares every value through each field's `get_db_prep_save` inside the SQL
compiler and sends one large INSERT; for thousands of rows of a wide table that Python work costs
about twice the database's own time. On PostgreSQL `copy_insert` takes the primary keys from the
table's sequence in one query, fills the `auto_now` / `auto_now_add` timestamps as a save would,
and streams the rows with COPY: the import budget of docs/PERFORMANCE-IMPORT.md needs it
(CONVENTIONS "one path per job": a fast path the budget needs, with the embedded default on its
own tested path). SQLite has neither sequences nor COPY, so there the same call is
`bulk_create`, which sets the primary keys from `RETURNING` (tests/imports/test_sqlite_import.py
runs a whole import on SQLite). Either way no model signals are sent and `save()` does not run:
callers validate first (the services do) and record history themselves.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import operator
import uuid
from decimal import Decimal

from django.db import connections, models, router
from django.db.models.base import ModelState
from django.utils import timezone

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
        return lambda v: v.translate(_ESCAPES) if isinstance(v, str) else _copy_text(v)
    return fmt


_BLANKS: dict = {}


def _blank(model) -> tuple[dict, list, dict, frozenset]:
    """Per model, once: the static defaults of its concrete fields by attname, the fields whose
    default is callable (evaluated per instance, as the constructor does), and the foreign keys
    by name -> attname."""
    found = _BLANKS.get(model)
    if found is None:
        static, dynamic, relations = {}, [], {}
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                dynamic.append(f)
            else:
                static[f.attname] = f.get_default()
            if f.is_relation and f.many_to_one:
                relations[f.name] = f.attname
        attnames = frozenset(f.attname for f in model._meta.concrete_fields)
        found = _BLANKS[model] = (static, dynamic, relations, attnames)
    return found


def new_instance(model, values: dict):
    """An unsaved instance, as `model(**values)` builds it, without the constructor's per-field
    descriptor work (a fifth of a bulk write's Python time for wide models): every concrete field
    gets its default, then `values`, keyed by field name or attname; a foreign key given by name
    takes the object (or None), which sets its id and its cached object as the descriptor does.
    No pre_init / post_init signals are sent: none are connected for the models written in bulk
    (tests/imports checks). Unknown names raise TypeError, as the constructor does."""
    static, dynamic, relations, attnames = _blank(model)
    obj = model.__new__(model)
    state = ModelState()
    obj.__dict__ = data = static.copy()
    data["_state"] = state
    for f in dynamic:
        data[f.attname] = f.get_default()
    for key, value in values.items():
        attname = relations.get(key)
        if attname is not None:
            data[attname] = None if value is None else value.pk
            state.fields_cache[key] = value
        elif key in attnames:
            data[key] = value
        else:
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument '{key}'")
    return obj


# Value types whose equal values (of one type) always have the same COPY text: a column of only
# these is formatted once per distinct (value, type). Not Decimal or float (1.0 and 1.00, 0.0 and
# -0.0 are equal but written differently) nor containers (unhashable).
_MEMO_TYPES = frozenset({str, int, bool, type(None), dt.date, dt.datetime, uuid.UUID})


def _format_column(column: tuple, fmt) -> list[str]:
    """One column's COPY texts, each distinct value formatted once where that is safe."""
    types = set(map(type, column))
    if types <= _MEMO_TYPES:
        keys = column if len(types) == 1 else list(zip(column, map(type, column), strict=True))
        distinct = set(keys)
        if len(distinct) * 2 <= len(keys):
            if len(types) == 1:
                memo = {v: "\\N" if v is None else fmt(v) for v in distinct}
            else:
                memo = {k: "\\N" if k[0] is None else fmt(k[0]) for k in distinct}
            return list(map(memo.__getitem__, keys))
    return ["\\N" if v is None else fmt(v) for v in column]


def copy_insert(objs: list, *, using: str | None = None) -> list:
    """Insert unsaved instances of one model; sets their primary keys (on PostgreSQL drawn from
    the table's sequence, then one COPY; elsewhere `bulk_create`) and their auto timestamps, and
    marks them saved. Returns `objs`."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    using = using or router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        return model._base_manager.using(using).bulk_create(objs)
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
        formatters = [_formatter(f) for f in fields]
        row_of = operator.itemgetter(*[f.attname for f in fields])
        # One timestamp for the whole statement (a save would take one per row, microseconds
        # apart); date-only auto fields keep their own pre_save.
        now = timezone.now()
        stamped = [f.attname for f in auto if isinstance(f, models.DateTimeField)]
        others = [f for f in auto if not isinstance(f, models.DateTimeField)]
        pk_attname = pk.attname
        rows = []
        for obj, new_id in zip(objs, ids, strict=True):
            values = obj.__dict__
            values[pk_attname] = new_id
            for attname in stamped:
                values[attname] = now
            for f in others:
                f.pre_save(obj, add=True)
            rows.append(row_of(values))
            state = obj._state
            state.adding = False
            state.db = using
        if len(fields) == 1:
            rows = [(row,) for row in rows]
        # Formatted a column at a time: most columns of a ledger's rows hold a handful of values
        # (defaults, a stage, a date, the timestamps), each formatted once.
        columns = [
            _format_column(column, fmt)
            for column, fmt in zip(zip(*rows, strict=True), formatters, strict=True)
        ]
        buf = io.StringIO()
        buf.write("\n".join(map("\t".join, zip(*columns, strict=True))))
        buf.write("\n")
        buf.seek(0)
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buf)
    return objs


# --- field checks of many similar rows ------------------------------------------------------------
# (model.field, value type, value) -> the cleaned value, or the field's errors. A field's `clean` (its
# to_python, choices / null / blank checks and validators) depends on the value alone for the
# field types below, so thousands of rows sharing a stage, a currency, a date or an empty cell
# pay for it once.
_cleaned: dict = {}
_CLEANED_MAX = 200_000
_IMMUTABLE = (str, int, Decimal, dt.date, uuid.UUID)


_CLEAN_PLANS: dict = {}


def _clean_plan(model, exclude: frozenset) -> list:
    """The fields `clean_fields(exclude=exclude)` checks, with what the loop reads of each."""
    from django.db.models import Field

    found = _CLEAN_PLANS.get((model, exclude))
    if found is None:
        found = _CLEAN_PLANS[(model, exclude)] = [
            (
                f,
                f.name,
                f.attname,
                f.blank,
                f"{model._meta.label}.{f.attname}",
                # Remembered by value only where the check cannot read the instance.
                type(f).validate is Field.validate and not f.is_relation,
            )
            for f in model._meta.fields
            if f.name not in exclude and not f.generated
        ]
    return found


def clean_fields_remembered(obj, exclude: set[str] | frozenset[str] = frozenset()) -> None:
    """`obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)`,
    with each field's check remembered by value: the same loop as Django's `clean_fields` (skip
    the excluded and generated fields and blank empty values, store each cleaned value, collect
    each field's error list), then `clean()`, then one ValidationError keyed by field. Fields whose
    check could read the instance (relations, custom `validate`) are checked every time."""
    from django.core.exceptions import ValidationError

    errors: dict = {}
    data = obj.__dict__
    if len(_cleaned) > _CLEANED_MAX:
        _cleaned.clear()
    for f, name, attname, blank, label, pure in _clean_plan(type(obj), frozenset(exclude)):
        raw = data[attname] if attname in data else getattr(obj, attname)
        key = None
        if raw is None or isinstance(raw, _IMMUTABLE):
            # For these types `raw in f.empty_values` is exactly this.
            if blank and (raw is None or raw == ""):
                continue
            if pure:
                key = (label, raw.__class__, raw)
                done = _cleaned.get(key)
                if done is not None:
                    if done[0]:
                        data[attname] = done[1]
                    else:
                        errors[name] = done[1]
                    continue
        elif blank and raw in f.empty_values:
            continue
        try:
            cleaned = f.clean(raw, obj)
        except ValidationError as e:
            errors[name] = e.error_list
            if key is not None:
                _cleaned[key] = (False, e.error_list)
        else:
            setattr(obj, attname, cleaned)
            if key is not None and (cleaned is None or isinstance(cleaned, _IMMUTABLE)):
                _cleaned[key] = (True, cleaned)
    all_errors: dict = {}
    if errors:
        all_errors = ValidationError(errors).update_error_dict(all_errors)
    try:
        obj.clean()
    except ValidationError as e:
        all_errors = e.update_error_dict(all_errors)
    if all_errors:
        raise ValidationError(all_errors)
