"""An events ledger's signings on the bulk path (events.services.signing_bulk_record): a fixed
number of queries however many signings the file has, each signed project moved once with one
history record, a refused row refusing the whole file, and a rollback that restores it all."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from demo.events_demo import load_event_kinds
from events import services as event_services
from events.models import EventKind, PromotionEvent, Signing
from imports import services
from imports.columns import EVENT_COLUMNS
from imports.models import ImportBatch
from projects.models import Project, Stage, StageChange

from .ledgers import project_row, xlsx_bytes
from .ledgers import queries_of as _counting

pytestmark = pytest.mark.django_db
EVENT_HEADER = [c.header for c in EVENT_COLUMNS]


@pytest.fixture
def projects(reference_data):
    """22 projects at 洽谈, not signed."""
    load_event_kinds()
    rows = [
        project_row(项目名称=f"活动项目{i:02d}", 阶段="洽谈", 签约日期=None, 洽谈日期="2023-03-01")
        for i in range(22)
    ]
    batch = services.import_file(
        kind="projects", data=xlsx_bytes(rows), filename="p.xlsx", by=None, dry_run=False
    )
    assert batch.status == ImportBatch.Status.IMPORTED, batch.preview[:2]
    return list(Project.objects.order_by("name"))


def _ledger(title: str, names: list[str], dates: list[str] | None = None) -> bytes:
    event = {
        "活动名称": title,
        "开始日期": "2023-06-08",
        "结束日期": "2023-06-09",
        "活动类型": "推介会",
        "举办城市": "深圳市",
        "主办县区": "榆次区",
    }
    rows = [
        {
            **event,
            "签约项目名称": name,
            "签约日期": dates[i] if dates else "2023-06-09",
            "签约金额(万元)": str(1000 + i),
        }
        for i, name in enumerate(names)
    ]
    return xlsx_bytes(rows, header=EVENT_HEADER, sheet="活动签约")


def _import(data: bytes):
    batch = services.batch_create(kind="events", filename="e.xlsx", data=data, by=None)
    batch = services.batch_preview(batch=batch)
    assert batch.can_confirm, batch.preview[:2]
    batch, queries = _counting(lambda: services.batch_import(batch=batch, by=None))
    assert batch.status == ImportBatch.Status.IMPORTED, (batch.message, batch.preview[:2])
    return batch, queries


def test_twenty_signings_take_the_queries_of_two_and_roll_back_exactly(projects):
    before = {p.pk: model_to_dict(p) for p in projects}
    small, small_queries = _import(_ledger("两项签约推介会", [p.name for p in projects[:2]]))
    large, large_queries = _import(_ledger("二十项签约推介会", [p.name for p in projects[2:]]))
    assert len(large_queries) == len(small_queries), (small_queries, large_queries)

    signed = Project.objects.filter(pk__in=[p.pk for p in projects[2:]])
    assert {(p.stage, p.signed_on) for p in signed} == {(Stage.SIGNED, dt.date(2023, 6, 9))}
    assert Signing.objects.filter(event__title="二十项签约推介会").count() == 20
    for project in signed:
        records = Project.history.filter(id=project.pk).order_by("-history_id")
        assert records[0].history_change_reason == f"台账导入 #{large.pk}"
        assert records.filter(history_change_reason=f"台账导入 #{large.pk}").count() == 1
        assert StageChange.objects.filter(project=project, to_stage=Stage.SIGNED).count() == 1

    small_batch, small_rollback = _counting(lambda: services.batch_rollback(batch=small, by=None))
    large_batch, large_rollback = _counting(lambda: services.batch_rollback(batch=large, by=None))
    assert small_batch.status == large_batch.status == ImportBatch.Status.ROLLED_BACK
    assert len(large_rollback) == len(small_rollback), (small_rollback, large_rollback)
    assert not Signing.objects.exists() and not PromotionEvent.objects.exists()
    after = {p.pk: model_to_dict(p) for p in Project.objects.all()}
    assert after == before


def test_a_row_refused_at_the_import_refuses_the_file_naming_its_row_and_column(projects):
    """Row 3 signs at another event the project row 2 signed, on an earlier day: the preview
    cannot see it (the project is not signed yet), the bulk writer refuses it."""
    project = projects[0]
    rows = [
        {
            "活动名称": "六月推介会",
            "开始日期": "2023-06-08",
            "活动类型": "推介会",
            "举办城市": "深圳市",
            "主办县区": "榆次区",
            "签约项目名称": project.name,
        },
        {
            "活动名称": "五月推介会",
            "开始日期": "2023-05-10",
            "活动类型": "推介会",
            "举办城市": "厦门市",
            "主办县区": "榆次区",
            "签约项目名称": project.name,
        },
    ]
    data = xlsx_bytes(rows, header=EVENT_HEADER, sheet="活动签约")
    batch = services.batch_create(kind="events", filename="e.xlsx", data=data, by=None)
    batch = services.batch_preview(batch=batch)
    assert batch.can_confirm, batch.preview
    batch = services.batch_import(batch=batch, by=None)
    assert batch.status == ImportBatch.Status.FAILED
    errors = [(r["row"], column) for r in batch.preview for column, _m in r["errors"]]
    assert errors == [(3, "签约日期")]
    assert not PromotionEvent.objects.exists() and not Signing.objects.exists()
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING and project.signed_on is None


def test_the_bulk_service_names_the_refused_row_and_writes_nothing(projects):
    event = event_services.event_create(
        by=None,
        kind=EventKind.objects.get(name="推介会"),
        title="服务推介会",
        start_on=dt.date(2023, 6, 8),
        end_on=dt.date(2023, 6, 9),
        place_city="深圳市",
        organisers=[projects[0].region],
    )
    rows = [
        {"project": projects[0], "signed_on": dt.date(2023, 6, 9), "event": event},
        {"project": projects[1], "signed_on": dt.date(2023, 7, 1), "event": event},
    ]
    with pytest.raises(ValidationError) as refused:
        event_services.signing_bulk_record(by=None, rows=rows)
    assert refused.value.row_index == 1 and "signed_on" in refused.value.message_dict
    assert not Signing.objects.exists()
    assert Project.objects.get(pk=projects[0].pk).signed_on is None
