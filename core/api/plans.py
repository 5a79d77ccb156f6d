"""List pages whose SQL is compiled once per *shape* of request, not once per request.

A page of the project list costs PostgreSQL under a millisecond; building the same query with the ORM
(the scope, a filter call per filter, the related-name columns, ordering, the cursor's position,
the slice) and compiling it costs more than that again, on every request. But two requests that
name the same filters, in the same scope, ordered and sliced alike, make the same SQL: only the
values of the parameters differ.

`PlannedRows` stands in for the page's `.values()` queryset where the pagination classes use one
(`order_by`, one `filter` for the cursor's position, a slice, iteration, a count). When it is read,
it looks up the plan for its shape. The first time a shape is seen, the ORM builds and compiles the
query as usual, but with *marker* values in place of the request's free values (a date, a code, an
amount, the cursor position): each marker's place among the compiled parameters is where that value
goes. Later requests of the shape fill the request's values into those places and run the SQL.

What keeps this exact:
- Only values whose filter puts them into the SQL unchanged are replaced by markers: the plain
  filter classes (CharFilter, NumberFilter, DateFilter and ours for codes) with a comparison lookup
  (`exact`, `gt`, `gte`, `lt`, `lte`). A value that changes the SQL's structure is part of the
  shape itself: booleans, empty values, choices (`stage`, a sort order), the slice. Anything else
  (a search term, a filter method, a model instance) is not planned: that request is built by the
  ORM as before.
- Each marker must come back as exactly a parameter (the same value, or the int or ISO text the
  backend's adapter makes of it), and nowhere else in the SQL; otherwise the shape is remembered as
  not plannable.
- The scope is part of the shape (core.scoping.scope_key), so no plan crosses users' scopes.
- tests/api/test_plans.py compares the planned SQL and parameters with the ORM's for every filter,
  alone and in combinations, and the answers of both paths.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections

MAX_PLANS = 2000  # per process; a bound on odd combinations, cleared when reached
COMPARISONS = frozenset({"exact", "gt", "gte", "lt", "lte"})
# Filters whose value may change the SQL's structure but comes from a short list of choices.
SHAPE_VALUE_FILTERS = (
    django_filters.BooleanFilter,
    django_filters.ChoiceFilter,
    django_filters.MultipleChoiceFilter,
    django_filters.OrderingFilter,
)

_plans: dict[tuple, Plan | None] = {}
_lock = threading.Lock()


class NotPlannable(Exception):
    """This request is built by the ORM (see the module's docstring)."""


@dataclass(frozen=True)
class _Slot:
    """Where a request value goes among the parameters: its name, and how the backend adapts it."""

    name: str
    adapt: Callable | None


@dataclass(frozen=True)
class Plan:
    sql: str
    params: tuple  # constants, and _Slot where a request value goes
    names: tuple[str, ...]  # the row's keys, as `.values()` names them
    converters: dict  # column index -> (converters, expression), as the ORM's compiler made them
    using: str
    empty: bool = False  # the query can match nothing (e.g. an inactive user's scope)

    def _params(self, values: dict) -> list:
        return [(_adapted(p, values[p.name]) if isinstance(p, _Slot) else p) for p in self.params]

    def run(self, values: dict, output: tuple) -> list[dict]:
        """The rows as dicts keyed by the output names of `output`: (output name, `.values()`
        name) pairs."""
        if self.empty:
            return []
        params = self._params(values)
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        converters = self.converters
        if converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for i, (functions, expression) in converters.items():
                    value = row[i]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[i] = value
        names, pick = _picker(self.names, output)
        return [dict(zip(names, pick(row), strict=True)) for row in rows]

    def count(self, values: dict) -> int:
        if self.empty:
            return 0
        params = self._params(values)
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchone()[0]


@functools.lru_cache(maxsize=256)
def _picker(names: tuple[str, ...], output: tuple) -> tuple[tuple[str, ...], Callable]:
    """The output names, and a function that picks their columns from a row, in that order."""
    indexes = [names.index(key) for _name, key in output]
    if len(indexes) == 1:
        only = indexes[0]
        return (output[0][0],), lambda row: (row[only],)
    return tuple(name for name, _key in output), operator.itemgetter(*indexes)


def _adapted(slot: _Slot, value):
    return value if slot.adapt is None else slot.adapt(value)


# --- markers ------------------------------------------------------------------------------------------
def _marker(value, index: int):
    """A value of `value`'s type that no request sends and no constant equals, or NotPlannable."""
    if isinstance(value, bool) or value is None:
        raise NotPlannable
    if isinstance(value, int):
        return -7_770_000_001 - index
    if isinstance(value, Decimal):
        return Decimal(-7_770_000_001 - index)
    if isinstance(value, dt.datetime):
        raise NotPlannable
    if isinstance(value, dt.date):
        return dt.date(1101 + index, 2, 3)
    if isinstance(value, str):
        if value.isascii() and value.isdigit():  # may be read as a number (an id): digits too
            return str(7_770_000_001 + index)
        return f"\u2063plan-marker-{index}\u2063"
    raise NotPlannable


def _kind(value) -> str:
    """The part of a free value's type that can change how the ORM passes it on."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return "digits"
    return type(value).__name__


def _match(param, marker) -> tuple[bool, Callable | None]:
    """Is `param` this marker as the ORM passed it on, and how was it adapted?"""
    if type(param) is type(marker) and param == marker:
        return True, None
    if isinstance(marker, (int, Decimal)) and type(param) in (int, Decimal) and param == marker:
        return True, type(param)
    if isinstance(marker, dt.date) and param == marker.isoformat():  # SQLite's date adapter
        return True, dt.date.isoformat
    if isinstance(marker, str) and marker.isdigit() and type(param) is int and param == int(marker):
        return True, int
    return False, None


def _contains_marker(param, markers: dict) -> bool:
    if isinstance(param, str):
        return any(isinstance(m, str) and m in param for m in markers.values())
    if isinstance(param, (list, tuple)):
        return any(_contains_marker(p, markers) for p in param)
    return False


def compile_plan(queryset, markers: dict, *, count: bool = False) -> Plan:
    """The plan of `queryset`, which was built with `markers` (name -> marker) for the free values."""
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return Plan("", (), (), {}, queryset.db, empty=True)
    if any(isinstance(m, str) and m in sql for m in markers.values()):
        raise NotPlannable  # inlined into the SQL text
    slots, found = [], set()
    for param in params:
        for name, marker in markers.items():
            matched, adapt = _match(param, marker)
            if matched:
                slots.append(_Slot(name, adapt))
                found.add(name)
                break
        else:
            if _contains_marker(param, markers):
                raise NotPlannable  # transformed (e.g. '%…%' for a search): not a plain slot
            slots.append(param)
    if found != set(markers):
        raise NotPlannable  # a value that did not reach the SQL as itself
    if count:
        # `sql` is the ORM's own compiled query; values stay parameters.
        count_sql = f"SELECT COUNT(*) FROM ({sql}) subquery"  # noqa: S608  # nosec B608
        return Plan(count_sql, tuple(slots), (), {}, queryset.db)
    if query.selected:
        names = list(query.selected)
    else:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)
    return Plan(sql, tuple(slots), tuple(names), converters, queryset.db)


def _kinds(values: dict) -> tuple:
    return tuple((name, _kind(value)) for name, value in values.items())


def cached_plan(key: tuple, make: Callable[[], Plan]) -> Plan | None:
    """The plan for `key`, made once per process; None for a shape that is not plannable."""
    try:
        return _plans[key]
    except KeyError:
        pass
    try:
        plan = make()
    except (NotPlannable, ValueError, TypeError, ValidationError):
        # Markers a filter could not take (an id filter given a non-numeric marker, say): the
        # ORM builds every request of this shape, and raises what it raises for the real values.
        plan = None
    with _lock:
        if len(_plans) >= MAX_PLANS:
            _plans.clear()
        _plans[key] = plan
    return plan


def forget_plans() -> None:
    with _lock:
        _plans.clear()


# --- request values -----------------------------------------------------------------------------------
def split_filter_values(filterset) -> tuple[tuple, dict]:
    """The shape of a validated filter set's values and its free values (name -> value).

    Raises NotPlannable for a filter whose value this module cannot stand in for."""
    shape, free = [], {}
    cleaned = filterset.form.cleaned_data
    for name, filter_ in filterset.filters.items():
        value = cleaned.get(name)
        if isinstance(value, list):
            value = tuple(value)
        if value in django_filters.constants.EMPTY_VALUES or isinstance(value, bool):
            shape.append((name, "=", value))
        elif getattr(filter_, "method", None) is not None:
            raise NotPlannable
        elif isinstance(filter_, SHAPE_VALUE_FILTERS):
            shape.append((name, "=", value))
        elif type(filter_) in PLAIN_FILTERS and filter_.lookup_expr in COMPARISONS:
            _marker(value, 0)  # a type that has markers, or NotPlannable
            shape.append((name, _kind(value)))
            free[name] = value
        else:
            raise NotPlannable
    return tuple(shape), free


PLAIN_FILTERS: set[type] = {
    django_filters.CharFilter,
    django_filters.NumberFilter,
    django_filters.DateFilter,
}


def register_plain_filter(filter_class: type) -> type:
    """Mark a filter class as plain: `filter()` passes its value to one comparison lookup,
    unchanged, whatever the value (usable as a class decorator)."""
    PLAIN_FILTERS.add(filter_class)
    return filter_class


# --- the page's rows ----------------------------------------------------------------------------------
class PlannedRows:
    """The page's rows (`.values()` dicts), read through a plan; see the module's docstring.

    `build(values)` makes the ORM's `.values()` queryset for the given free values (the request's,
    or markers); `count_build(values)` the queryset whose rows are counted; `key` the shape of
    everything else; `output` ((output name, `.values()` name) pairs) the keys of the rows it
    gives, made as the rows are read (no second dict per row). Supports what the pagination
    classes call: `order_by`, one `filter` (the cursor's position), slicing, iteration, `len`
    and `count`."""

    ordered = True

    def __init__(self, *, key: tuple, values: dict, build, count_build, model, output: tuple):
        self.key, self.values, self.build, self.count_build = key, values, build, count_build
        self.model, self.output = model, output
        self.ops: tuple = ()
        self._rows: list[dict] | None = None

    def _clone(self, op: tuple, values: dict | None = None) -> PlannedRows:
        clone = PlannedRows(
            key=self.key,
            values=values if values is not None else self.values,
            build=self.build,
            count_build=self.count_build,
            model=self.model,
            output=self.output,
        )
        clone.ops = (*self.ops, op)
        return clone

    def order_by(self, *fields) -> PlannedRows:
        return self._clone(("order_by", fields))

    def filter(self, **kwargs) -> PlannedRows:
        ((lookup, raw),) = kwargs.items()
        field = self.model._meta.get_field(lookup.split("__", 1)[0])
        try:
            value = field.to_python(raw)
            _marker(value, 0)
        except (ValidationError, NotPlannable):
            # Part of the shape, handed to the ORM as given (which answers it as it always has).
            return self._clone(("filter", lookup, "=", raw))
        name = f"_op{len(self.ops)}"
        return self._clone(("filter", lookup, name), {**self.values, name: value})

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("PlannedRows supports slices only")
        return self._clone(("slice", item.start, item.stop))

    def _apply(self, queryset, values: dict):
        for op in self.ops:
            if op[0] == "order_by":
                queryset = queryset.order_by(*op[1])
            elif op[0] == "filter" and len(op) == 4:
                queryset = queryset.filter(**{op[1]: op[3]})
            elif op[0] == "filter":
                queryset = queryset.filter(**{op[1]: values[op[2]]})
            else:
                queryset = queryset[op[1] : op[2]]
        return queryset

    def rows(self) -> list[dict]:
        if self._rows is None:
            values = self.values
            markers = {name: _marker(value, i) for i, (name, value) in enumerate(values.items())}
            plan = cached_plan(
                ("rows", *self.key, self.ops, _kinds(values)),
                lambda: compile_plan(self._apply(self.build(markers), markers), markers),
            )
            if plan is None:
                output = self.output
                rows = self._apply(self.build(values), values)
                self._rows = [{name: row[key] for name, key in output} for row in rows]
            else:
                self._rows = plan.run(values, self.output)
        return self._rows

    def __iter__(self):
        return iter(self.rows())

    def __len__(self) -> int:
        return len(self.rows())

    def count(self) -> int:
        values = {k: v for k, v in self.values.items() if not k.startswith("_op")}
        markers = {name: _marker(value, i) for i, (name, value) in enumerate(values.items())}
        plan = cached_plan(
            ("count", *self.key, _kinds(values)),
            lambda: compile_plan(
                self.count_build(markers).order_by().values("pk"), markers, count=True
            ),
        )
        if plan is None:
            return self.count_build(values).order_by().values("pk").count()
        return plan.count(values)
