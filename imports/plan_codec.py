"""A ledger's row plans as JSON: stored with the batch by the preview, read back by the import,
which may run in another worker process.

A model instance is stored as its model and id and loaded back with one query per model (every
row naming the same object gets the same instance); Decimal, date, datetime and tuple values
keep their type; everything else is JSON as it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.db import models

from .planning import RowPlan

_ATTRS = ("row", "label", "action", "errors", "changes", "notes", "target", "fields", "extra")


class Gone(Exception):
    """An object a stored plan names no longer exists: the plan must be made again."""


def dump(plans: list[RowPlan]) -> list[dict]:
    return [{name: _encode(getattr(plan, name)) for name in _ATTRS} for plan in plans]


def load(stored: list[dict], *, lock: tuple[str, ...] = ()) -> list[RowPlan]:
    """The plans `dump` stored, their objects read again; those of the models labelled in
    `lock` are read with SELECT … FOR UPDATE (inside the caller's transaction)."""
    wanted: dict[str, set[int]] = {}
    _collect(stored, wanted)
    found = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        manager = model._base_manager
        loaded = (manager.select_for_update() if label in lock else manager).in_bulk(sorted(ids))
        if len(loaded) != len(ids):
            raise Gone(label)
        found.update({(label, pk): obj for pk, obj in loaded.items()})
    return [RowPlan(**{name: _decode(row[name], found) for name in _ATTRS}) for row in stored]


_PLAIN = frozenset({type(None), bool, int, str, float})


def _encode(value):
    # The common types by exact type first (a large plan holds tens of thousands of values).
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [_encode(v) for v in value]
    if kind is dict:
        return {"$map": {_key(k): _encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, models.Model):
        return {"$obj": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$map": {_key(k): _encode(v) for k, v in value.items()}}
    raise TypeError(f"a row plan cannot store a {type(value).__name__}")


def _key(key) -> str:
    if not isinstance(key, str):
        raise TypeError(f"a row plan's mapping keys are text, not {type(key).__name__}")
    return key


def _collect(value, wanted: dict[str, set[int]]) -> None:
    if type(value) in _PLAIN:
        return
    if isinstance(value, list):
        for v in value:
            _collect(v, wanted)
    elif isinstance(value, dict):
        if "$obj" in value:
            wanted.setdefault(value["$obj"], set()).add(value["pk"])
        else:
            for v in value.values():
                _collect(v, wanted)


def _decode(value, found: dict):
    if type(value) in _PLAIN:
        return value
    if isinstance(value, list):
        return [_decode(v, found) for v in value]
    if not isinstance(value, dict):
        return value
    if "$obj" in value:
        return found[(value["$obj"], value["pk"])]
    if "$dec" in value:
        return Decimal(value["$dec"])
    if "$dt" in value:
        return dt.datetime.fromisoformat(value["$dt"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$tuple" in value:
        return tuple(_decode(v, found) for v in value["$tuple"])
    if "$map" in value:
        return {k: _decode(v, found) for k, v in value["$map"].items()}
    # A stored row itself: {"row": …, "fields": …} (its own keys, not a mapping value).
    return {k: _decode(v, found) for k, v in value.items()}
