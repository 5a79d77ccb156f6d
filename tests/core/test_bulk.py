"""core.bulk.copy_insert: ids from the sequence, auto timestamps, and COPY's text escaping."""

import uuid
from decimal import Decimal

import pytest

from core.bulk import copy_insert
from core.history import bulk_history
from enterprises.models import Enterprise


@pytest.mark.django_db
def test_copy_insert_round_trips_awkward_values_and_sets_ids():
    before = Enterprise.objects.create(name="之前的企业", normalized_name="之前的企业")
    token = uuid.uuid4()
    rows = [
        Enterprise(name="制表\t换行\n回车\r反斜杠\\N 结束", normalized_name="甲", notes="\\."),
        Enterprise(name="乙", normalized_name="乙", notes="", creation_token=token),
    ]
    copy_insert(rows)
    assert all(e.pk and e.pk > before.pk for e in rows)
    assert rows[0].pk != rows[1].pk and not rows[0]._state.adding
    first = Enterprise.objects.get(pk=rows[0].pk)
    assert first.name == "制表\t换行\n回车\r反斜杠\\N 结束" and first.notes == "\\."
    assert first.created_at is not None and first.updated_at is not None
    second = Enterprise.objects.get(pk=rows[1].pk)
    assert second.creation_token == token and second.deleted_at is None
    # The sequence moved past the ids COPY used: an ordinary save gets a fresh one.
    after = Enterprise.objects.create(name="之后", normalized_name="之后")
    assert after.pk > max(e.pk for e in rows)
    # History in bulk: one record per object, with the values it was written with.
    records = bulk_history(rows)
    assert [r.history_type for r in records] == ["+", "+"]
    assert Enterprise.history.filter(id=rows[0].pk).get().name == first.name


def test_copy_text_formats():
    from core.bulk import _copy_text

    assert _copy_text(None) == "\\N"
    assert (_copy_text(True), _copy_text(False)) == ("t", "f")
    assert _copy_text(Decimal("1E+3")) == "1000"
    with pytest.raises(TypeError):
        _copy_text(object())


def test_format_column_formats_each_distinct_value_once_and_keeps_types_apart():
    from core.bulk import _copy_text, _format_column

    calls = []

    def fmt(v):
        calls.append(v)
        return _copy_text(v)

    # Repeated values: one call per distinct (value, type); True and 1 stay apart.
    column = (1, True, 1, True, None, 1, True, None)
    assert _format_column(column, fmt) == ["1", "t", "1", "t", "\\N", "1", "t", "\\N"]
    assert sorted(map(repr, calls)) == ["1", "True"]
    # Decimals are not remembered: equal values written as given.
    column = (Decimal("1.0"), Decimal("1.00"), Decimal("1.0"), Decimal("1.00"))
    assert _format_column(column, _copy_text) == ["1.0", "1.00", "1.0", "1.00"]
    # Mostly distinct values: formatted one by one, same result.
    assert _format_column(("a\tb", "c", None), _copy_text) == ["a\\tb", "c", "\\N"]


@pytest.mark.django_db
def test_copy_insert_many_rows_sharing_values():
    rows = [
        Enterprise(name=f"企业{i}", normalized_name=f"企业{i}", notes="同\t一" if i % 2 else "")
        for i in range(10)
    ]
    copy_insert(rows)
    stored = {e.pk: e for e in Enterprise.objects.filter(pk__in=[r.pk for r in rows])}
    for i, row in enumerate(rows):
        assert stored[row.pk].name == f"企业{i}"
        assert stored[row.pk].notes == ("同\t一" if i % 2 else "")
        assert stored[row.pk].created_at == row.created_at
