"""The enterprises ledger writes its updated rows in bulk (enterprise_bulk_update, issue 19), and
its rollback restores them the same way: a fixed number of queries however many rows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import Region
from enterprises import services as enterprise_services
from enterprises.models import Enterprise
from imports import services
from imports.models import ImportBatch

from .ledgers import ENTERPRISE_HEADER, xlsx_bytes
from .ledgers import queries_of as _counted

pytestmark = pytest.mark.django_db
# Every column an update may change, derived ones included (not the timestamps).
COLUMNS = [
    f.attname
    for f in Enterprise._meta.concrete_fields
    if f.name not in ("id", "created_at", "updated_at")
]


def _enterprises(n: int, region: str = "榆次区") -> list[Enterprise]:
    region = Region.objects.get(name=region)
    return enterprise_services.enterprise_bulk_create(
        rows=[
            {
                "name": f"批量更新企业{i:02d}有限公司",
                "region": region,
                "origin_province": "浙江省",
                "notes": f"导入前 {i}",
            }
            for i in range(n)
        ]
    )


def _ledger(n: int, **more) -> bytes:
    rows = [
        {
            "企业名称": f"批量更新企业{i:02d}有限公司",
            "来源省份": "江苏省",
            "晋中本地企业": "是",
            "备注": f"导入后 {i}",
            **more,
        }
        for i in range(n)
    ]
    return xlsx_bytes(rows, header=ENTERPRISE_HEADER, sheet="企业名录")


def _preview(data: bytes, by=None) -> ImportBatch:
    batch = services.batch_create(kind="enterprises", filename="e.xlsx", data=data, by=by)
    return services.batch_preview(batch=batch)


def _values() -> dict[int, tuple]:
    return {e[0]: e[1:] for e in Enterprise.objects.order_by("pk").values_list("pk", *COLUMNS)}


def _import_and_roll_back(n: int) -> tuple[list[str], list[str]]:
    Enterprise.all_objects.all().delete()
    _enterprises(n)
    before = _values()
    batch = _preview(_ledger(n, 县区="太谷区"))
    assert batch.summary["update"] == n, batch.preview[:3]
    batch, imported = _counted(lambda: services.batch_import(batch=batch, by=None))
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, batch.preview[:3])
    assert Enterprise.objects.filter(region__name="太谷区", is_local=True).count() == n
    assert set(Enterprise.objects.values_list("notes", flat=True)) == {
        f"导入后 {i}" for i in range(n)
    }
    # One change record per enterprise, with the import's reason, holding the new values.
    records = Enterprise.history.filter(history_change_reason=f"台账导入 #{batch.pk}")
    assert records.count() == n
    assert set(records.values_list("history_type", flat=True)) == {"~"}
    assert set(records.values_list("origin_province", flat=True)) == {"江苏省"}

    _batch, rolled_back = _counted(lambda: services.batch_rollback(batch=batch, by=None))
    assert _values() == before  # every column, exactly
    assert Enterprise.history.filter(history_change_reason=f"撤销导入批次 #{batch.pk}").count() == n
    return imported, rolled_back


def test_twenty_updated_enterprises_take_as_many_queries_as_two_and_roll_back_exactly(
    reference_data,
):
    imported_2, rolled_back_2 = _import_and_roll_back(2)
    imported_20, rolled_back_20 = _import_and_roll_back(20)
    # The batch with its watermark and plan; what the plan names; the enterprises read for the
    # update; the update and its history; the batch's result.
    assert len(imported_20) == len(imported_2), (imported_2, imported_20)
    assert len(imported_20) <= 10, imported_20
    updates = [q for q in imported_20 if q.startswith("WITH v")]
    assert len(updates) == 1, imported_20
    # The batch locked; the latest history of what it wrote; the regions the snapshots name; the
    # enterprises; the update and its history; the batch.
    assert len(rolled_back_20) == len(rolled_back_2), "\n".join(
        ["", *rolled_back_2, "--", *rolled_back_20]
    )
    assert len(rolled_back_20) <= 10, rolled_back_20


def test_a_row_the_rule_refuses_at_the_import_refuses_the_whole_import(reference_data, demo_users):
    # Two enterprises of 太谷区 and one of 榆次区: 太谷区 staff may change only their own. The
    # ledger names no region, so only the writer's rule (the enterprise's region) refuses.
    ours = _enterprises(2, region="太谷区")
    yuci = Region.objects.get(name="榆次区")
    theirs = enterprise_services.enterprise_create(name="批量更新企业02有限公司", region=yuci)
    before = _values()
    user = demo_users["taigu_staff"]
    batch = _preview(_ledger(3), by=user)
    assert batch.summary["update"] == 3, batch.preview
    batch = services.batch_import(batch=batch, by=user)
    assert batch.status == ImportBatch.Status.FAILED
    errors = [(r["row"], r["errors"]) for r in batch.preview if r["errors"]]
    # The very message enterprise_update gives for that enterprise, in no column.
    with pytest.raises(PermissionDenied) as refused:
        enterprise_services.enterprise_update(enterprise=theirs, by=user, notes="x")
    message = str(refused.value)
    assert errors == [(4, [["", message]])], errors
    assert _values() == before
    assert not Enterprise.history.filter(history_type="~").exists()
    assert len(ours) == 2 and batch.updated == {}


def test_bulk_update_refuses_a_credit_code_another_enterprise_holds(reference_data):
    first, second, third = _enterprises(3)
    enterprise_services.enterprise_update(enterprise=third, credit_code="91140700MA0GRXK31G")
    before = _values()
    with pytest.raises(ValidationError) as refused:
        enterprise_services.enterprise_bulk_update(
            rows=[(first, {"notes": "改"}), (second, {"credit_code": "91140700MA0GRXK31G"})]
        )
    assert refused.value.row_index == 1
    assert list(refused.value.message_dict) == ["credit_code"]
    assert third.name in refused.value.message_dict["credit_code"][0]
    assert _values() == before
    # An enterprise keeping its own code is no clash with itself.
    third = Enterprise.objects.get(pk=third.pk)
    enterprise_services.enterprise_bulk_update(
        rows=[(third, {"credit_code": "91140700MA0GRXK31G", "notes": "改"})]
    )
    assert Enterprise.objects.get(pk=third.pk).notes == "改"


def test_bulk_update_refuses_two_enterprises_swapping_their_credit_codes(reference_data):
    """Saved one at a time the swap is refused (each code is still held by the other); in bulk
    too, with the clash's message, not the unique index's error."""
    first, second = _enterprises(2)
    a, b = "91140700MA0GRXK31G", "91140700MA0K1234X8"
    enterprise_services.enterprise_update(enterprise=first, credit_code=a)
    enterprise_services.enterprise_update(enterprise=second, credit_code=b)
    before = _values()
    first, second = Enterprise.objects.get(pk=first.pk), Enterprise.objects.get(pk=second.pk)
    with pytest.raises(ValidationError) as refused:
        enterprise_services.enterprise_bulk_update(
            rows=[(first, {"credit_code": b}), (second, {"credit_code": a})]
        )
    assert refused.value.row_index == 0
    assert second.name in refused.value.message_dict["credit_code"][0]
    assert _values() == before


def test_the_rollback_names_who_rolled_back_in_each_enterprise_history(reference_data, demo_users):
    staff = demo_users["city_staff"]
    _enterprises(3)
    batch = services.batch_import(batch=_preview(_ledger(3, 县区="太谷区"), by=staff), by=staff)
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    services.batch_rollback(batch=batch, by=staff)
    for reason in (f"台账导入 #{batch.pk}", f"撤销导入批次 #{batch.pk}"):
        records = Enterprise.history.filter(history_change_reason=reason)
        assert records.count() == 3
        assert set(records.values_list("history_user", flat=True)) == {staff.pk}, reason
