"""Telling the apps above a writer that a milestone record was edited, without the writer
importing them (dependencies point downward: projects and events never import verification).

A writer calls `record_edited` inside its transaction, after saving; each registered listener
(registered once, in its AppConfig.ready) runs in the same transaction, so a refusal in a
listener saves nothing. Today one listener: verification resets verified evidence of an edited
record to 待核实 (issue 21)."""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[..., None]] = []


def register_edit_listener(listener: Callable[..., None]) -> None:
    """`listener(record=, fields=, by=, correction=)`; registering twice has no effect."""
    if listener not in _listeners:
        _listeners.append(listener)


def record_edited(*, record, fields: set[str], by, correction=None) -> None:
    """`record` was saved with `fields` changed; `correction`: the writer's correction note for a
    locked period (rollups.locks.CorrectionNote), if it gave one."""
    if not fields:
        return
    for listener in _listeners:
        listener(record=record, fields=set(fields), by=by, correction=correction)
