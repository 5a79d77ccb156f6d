"""A targets ledger on the bulk path (targets.services.target_bulk_set): a fixed number of
queries however many regions the file has, one history record per target with the import's
reason, a rollback that deletes or restores them all exactly, and a refused row refusing the
whole file with nothing written."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from core.models import Region
from imports import services
from imports.columns import TARGET_COLUMNS
from imports.models import ImportBatch
from targets import services as target_services
from targets.models import Target

from .ledgers import queries_of as _counting
from .ledgers import xlsx_bytes

pytestmark = pytest.mark.django_db
TARGET_HEADER = [c.header for c in TARGET_COLUMNS]


@pytest.fixture
def regions(reference_data):
    """Every region of the city (the city and its counties): 13 rows a year."""
    regions = list(Region.objects.order_by("code"))
    assert len(regions) >= 13
    return regions[:13]


def _ledger(regions, year: int, bump: int = 0) -> bytes:
    rows = [
        {
            "县区": region.name,
            "年度": year,
            "签约项目数(个)": 10 + i + bump,
            "签约投资额(万元)": f"{1000 + i + bump}.5",
            "到位资金(万元)": 500 + i,
        }
        for i, region in enumerate(regions)
    ]
    return xlsx_bytes(rows, header=TARGET_HEADER, sheet="目标任务")


def _import(data: bytes):
    batch = services.batch_create(kind="targets", filename="t.xlsx", data=data, by=None)
    batch = services.batch_preview(batch=batch)
    assert batch.can_confirm, batch.preview[:2]
    batch, queries = _counting(lambda: services.batch_import(batch=batch, by=None))
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, batch.preview[:2])
    return batch, queries


def _one_record_each(batch, years):
    reason = f"台账导入 #{batch.pk}"
    for target in Target.objects.filter(year__in=years):
        records = Target.history.filter(id=target.pk).order_by("-history_id")
        assert records[0].history_change_reason == reason
        assert records.filter(history_change_reason=reason).count() == 1


def test_thirteen_new_targets_take_the_queries_of_two_and_roll_back(regions):
    small, small_queries = _import(_ledger(regions[:2], 2024))
    large, large_queries = _import(_ledger(regions, 2025))
    assert len(large_queries) == len(small_queries), (small_queries, large_queries)
    assert Target.objects.filter(year=2025).count() == 13
    assert Target.objects.get(region=regions[3], year=2025).signed_amount == Decimal("1003.5")
    _one_record_each(large, [2025])

    small_batch, small_rollback = _counting(lambda: services.batch_rollback(batch=small, by=None))
    large_batch, large_rollback = _counting(lambda: services.batch_rollback(batch=large, by=None))
    assert small_batch.status == large_batch.status == ImportBatch.Status.ROLLED_BACK
    assert len(large_rollback) == len(small_rollback), (small_rollback, large_rollback)
    assert not Target.objects.exists()
    assert Target.history.filter(history_type="-").count() == 15


def test_thirteen_updated_targets_take_the_queries_of_two_and_roll_back_exactly(regions):
    for year, some in ((2024, regions[:2]), (2025, regions)):
        target_services.target_bulk_set(
            by=None,
            rows=[
                {
                    "region": region,
                    "year": year,
                    "signed_count": i,
                    "signed_amount": Decimal("1.25"),
                    "new_start_amount": Decimal(7),
                    "funds_amount": Decimal(i),
                    "completed_amount": Decimal("3.000001"),
                }
                for i, region in enumerate(some)
            ],
        )
    before = {t.pk: model_to_dict(t) for t in Target.objects.all()}
    small, small_queries = _import(_ledger(regions[:2], 2024, bump=5))
    large, large_queries = _import(_ledger(regions, 2025, bump=5))
    assert large.summary["update"] == 13 and not large.created
    assert len(large_queries) == len(small_queries), (small_queries, large_queries)
    _one_record_each(large, [2025])

    small_batch, small_rollback = _counting(lambda: services.batch_rollback(batch=small, by=None))
    large_batch, large_rollback = _counting(lambda: services.batch_rollback(batch=large, by=None))
    assert small_batch.status == large_batch.status == ImportBatch.Status.ROLLED_BACK
    assert len(large_rollback) == len(small_rollback), (small_rollback, large_rollback)
    assert {t.pk: model_to_dict(t) for t in Target.objects.all()} == before


def test_a_row_refused_at_the_import_refuses_the_file(regions, monkeypatch):
    """The preview passed every row; the writer refuses the 7th (as if its rule had changed in
    between): that row shows the error in its column, and nothing is written."""
    rule = target_services._apply_set

    def refusing(target, row, **kwargs):
        if target.region_id == regions[6].pk:
            raise ValidationError({"funds_amount": "拒绝"})
        rule(target, row, **kwargs)

    batch = services.batch_create(
        kind="targets", filename="t.xlsx", data=_ledger(regions, 2025), by=None
    )
    batch = services.batch_preview(batch=batch)
    assert batch.can_confirm, batch.preview[:2]
    monkeypatch.setattr(target_services, "_apply_set", refusing)
    batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.FAILED
    errors = [(r["row"], column) for r in batch.preview for column, _m in r["errors"]]
    assert errors == [(8, "到位资金(万元)")]
    assert not Target.objects.exists() and not Target.history.exists()


def test_the_bulk_service_names_the_refused_row_and_writes_nothing(regions):
    rows = [
        {
            "region": region,
            "year": 2025,
            "signed_count": 1,
            "signed_amount": "10",
            "new_start_amount": "10",
            "funds_amount": "-1" if i == 4 else "10",
        }
        for i, region in enumerate(regions)
    ]
    with pytest.raises(ValidationError) as refused:
        target_services.target_bulk_set(by=None, rows=rows)
    assert refused.value.row_index == 4
    assert not Target.objects.exists()
