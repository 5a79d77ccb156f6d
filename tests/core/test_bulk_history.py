"""Records written by the bulk helpers (core.history's, after simple-history's) carry what a single save's records carry: the
user, the client IP of the request and the reason of `history_reason`."""

import pytest
from django.test import RequestFactory
from simple_history.models import HistoricalRecords

from core.history import (
    bulk_create_with_history,
    bulk_history_options,
    bulk_update_with_history,
    history_reason,
)
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db

# Every column but the record's own id, date and type, and the creation time.
SKIP = {"history_id", "history_date", "history_type", "created_at"}


def _record(enterprise) -> dict:
    historical = Enterprise.history.model
    fields = [f.attname for f in historical._meta.concrete_fields if f.attname not in SKIP]
    return historical.objects.filter(id=enterprise.pk).order_by("-history_id").values(*fields)[0]


def test_bulk_records_match_the_records_of_a_save(demo_users):
    by = demo_users["city_staff"]
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = by
    HistoricalRecords.context.request = request
    try:
        with history_reason("台账导入 #7"):
            saved = Enterprise(name="甲公司", normalized_name="甲公司", notes="备注\t制表")
            saved._history_user = by
            saved.save()
            [bulk] = bulk_create_with_history(
                [Enterprise(name="乙公司", normalized_name="乙公司", notes="备注\t制表")],
                Enterprise,
                **bulk_history_options(by),
            )
            bulk.notes = "改"
            bulk_update_with_history([bulk], Enterprise, ["notes"], **bulk_history_options(by))
    finally:
        del HistoricalRecords.context.request
    one, many = _record(saved), _record(bulk)
    differing = {k for k in one if one[k] != many[k]}
    assert differing == {"id", "name", "normalized_name", "notes"}
    assert many["history_change_reason"] == "台账导入 #7"
    assert many["ip_address"] == "203.0.113.9" and many["history_user_id"] == by.pk
    assert Enterprise.history.filter(id=bulk.pk).count() == 2
