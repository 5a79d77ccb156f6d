"""core.history.bulk_history: the INSERT … SELECT path writes the very records the per-record path
does (values, user, IP, the import batch's reason and list), and is taken only when every
receiver of simple-history's signals is known to treat all records alike."""

import pytest
from django.db import connection
from django.dispatch import receiver
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from core.bulk import copy_insert
from core.history import bulk_history
from enterprises.models import Enterprise
from imports import services
from imports.models import ImportBatch

pytestmark = pytest.mark.django_db

# Every column but the record's own id.
SKIP = {"history_id"}


def _write(names, by, *, extra_receiver=False):
    rows = copy_insert([Enterprise(name=n, normalized_name=n, notes="备注\t制表") for n in names])
    batch = ImportBatch.objects.create(kind="enterprises", filename="x.xlsx", file_data=b"")
    batch.history = []
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = by
    HistoricalRecords.context.request = request
    seen = []

    def per_record(sender, history_instance, **kwargs):  # not marked: forces the slow path
        seen.append(history_instance)

    if extra_receiver:
        pre_create_historical_record.connect(per_record, weak=False)
    try:
        with (
            services._recording(batch, services.IMPORT_REASON),
            CaptureQueriesContext(connection) as queries,
        ):
            bulk_history(rows, user=by)
    finally:
        del HistoricalRecords.context.request
        pre_create_historical_record.disconnect(per_record)
    assert len(seen) == (len(rows) if extra_receiver else 0)
    return rows, batch, queries


def _records(rows):
    historical = Enterprise.history.model
    fields = [f.attname for f in historical._meta.concrete_fields if f.attname not in SKIP]
    by_id = {
        r["id"]: r for r in historical.objects.filter(id__in=[e.pk for e in rows]).values(*fields)
    }
    return [by_id[e.pk] for e in rows]


def test_insert_select_path_writes_what_the_per_record_path_writes(demo_users):
    by = demo_users["yuci_staff"]
    fast, fast_batch, fast_q = _write(["甲公司", "乙公司", "丙公司"], by)
    slow, slow_batch, _slow_q = _write(["丁公司", "戊公司", "己公司"], by, extra_receiver=True)
    # One statement for all the records, nothing per record.
    assert len(fast_q.captured_queries) == 1
    assert fast_q.captured_queries[0]["sql"].startswith("INSERT INTO")

    def comparable(record, obj, batch):
        # Names and timestamps differ by construction; every other column must match.
        assert record["history_date"] and record["created_at"]
        out = dict(record, id=None, name=None, normalized_name=None)
        out.update(created_at=None, history_date=None)
        out.update({k: None for k in out if k.startswith("name_")})
        out["history_change_reason"] = record["history_change_reason"].replace(f"#{batch.pk}", "#")
        return out

    for f_rec, s_rec in zip(_records(fast), _records(slow), strict=True):
        assert comparable(f_rec, None, fast_batch) == comparable(s_rec, None, slow_batch)
    first = _records(fast)[0]
    assert first["history_type"] == "+" and first["history_user_id"] == by.pk
    assert first["ip_address"] == "203.0.113.9" and first["notes"] == "备注\t制表"
    assert first["history_change_reason"] == f"{services.IMPORT_REASON} #{fast_batch.pk}"
    historical = Enterprise.history.model
    # The batch lists every record it wrote, as rollback needs.
    for rows, batch in ((fast, fast_batch), (slow, slow_batch)):
        listed = sorted(h for label, h in batch.history if label == "enterprises.enterprise")
        assert listed == sorted(
            historical.objects.filter(id__in=[e.pk for e in rows]).values_list(
                "history_id", flat=True
            )
        )
        assert len(listed) == len(rows)


def test_an_unknown_post_create_receiver_gets_every_record():
    from simple_history.signals import post_create_historical_record

    got = []

    @receiver(post_create_historical_record, weak=False)
    def per_record(sender, instance, history_instance, **kwargs):
        got.append((instance.pk, history_instance.pk))

    try:
        rows = copy_insert([Enterprise(name="庚公司", normalized_name="庚公司")])
        bulk_history(rows)
    finally:
        post_create_historical_record.disconnect(per_record)
    assert got and got[0][0] == rows[0].pk and got[0][1] is not None
