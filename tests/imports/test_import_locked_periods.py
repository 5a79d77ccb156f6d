"""Ledger imports that touch a locked period (issue 21): the preview names the rows that would move
figures of which locked period, the confirm then needs a correction reason (refused without one,
with a Chinese message, nothing saved), and with one the rows are written as one correction per
locked period, listed on the period's page, while the locked figures do not move. An import that
touches no locked period is unchanged."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.periods import Period
from dashboards.selectors import dashboard_data
from events import services as event_services
from imports.models import ImportBatch
from projects.models import FundsInPlace, Project, Stage
from rollups import locks, refresh
from rollups.models import Correction
from tests.factories import make_project

from .ledgers import FUNDS_HEADER, csv_bytes, project_row, xlsx_bytes

pytestmark = pytest.mark.django_db
Q1 = Period.of_quarter(2023, 1)
ROW_LOCKED = "第{row}行：该行会改变已锁定期间（2023年第1季度）的数字"
REFUSED = "未导入任何数据：该导入会改变已锁定期间（2023年第1季度）的数字，请填写更正原因"
REASON_FIELD = 'name="correction_reason"'


def _q1() -> dict:
    return {k["key"]: k["value"] for k in dashboard_data(period=Q1)["kpis"]}


def _lock(demo_users):
    refresh.drain_outbox()
    return locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])


def _upload(client, data, name="台账.xlsx", kind="projects") -> ImportBatch:
    response = client.post(
        reverse("imports:index"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("id")


def _page(client, batch) -> str:
    return client.get(reverse("imports:batch", args=[batch.pk])).content.decode()


def _confirm(client, batch, **data) -> str:
    response = client.post(reverse("imports:confirm", args=[batch.pk]), data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def clerk(client, demo_users):
    client.force_login(demo_users["yuci_staff"])
    return client


def test_new_projects_in_a_locked_quarter_need_a_reason(clerk, demo_users):
    lock = _lock(demo_users)
    before = _q1()
    ledger = xlsx_bytes(
        [
            project_row(项目名称="二〇二四年的项目", 登记日期="2024/1/10", 签约日期="2024/2/3"),
            project_row(),  # registered and signed in 2023 Q1
        ]
    )
    batch = _upload(clerk, ledger)
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.can_confirm
    page = _page(clerk, batch)
    assert ROW_LOCKED.format(row=3) in page
    assert ROW_LOCKED.format(row=2) not in page
    assert REASON_FIELD in page and "更正原因" in page

    # Without a reason: refused with a clear message, nothing saved, the batch may be confirmed again.
    page = _confirm(clerk, batch)
    assert REFUSED in page
    assert not Project.objects.exists()
    assert not Correction.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    page = _confirm(clerk, batch, correction_reason="   ")
    assert REFUSED in page and not Project.objects.exists()

    # With a reason: imported as one correction of the locked quarter; its figures do not move.
    page = _confirm(clerk, batch, correction_reason="补录漏报的一季度签约项目")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert Project.objects.count() == 2
    correction = lock.corrections.get()
    assert correction.reason == "补录漏报的一季度签约项目"
    assert f"台账导入 #{batch.pk}" in correction.subject and "台账.xlsx" in correction.subject
    assert correction.by == demo_users["yuci_staff"]
    assert any("2023-02-01" in key for key in correction.keys)  # the signing month
    assert any("2023-01-01" in key for key in correction.keys)  # the registration month
    refresh.drain_outbox()
    assert _q1()["signed_count"] == before["signed_count"] == 0
    listed = Client()
    listed.force_login(demo_users["city_staff"])
    period_page = listed.get(reverse("verification:lock_detail", args=[lock.pk])).content.decode()
    assert "补录漏报的一季度签约项目" in period_page and f"台账导入 #{batch.pk}" in period_page


def test_updates_and_funds_of_a_locked_quarter_are_one_correction_per_import(clerk, demo_users):
    clerk_user = demo_users["yuci_staff"]
    project = make_project(by=clerk_user, amount="5000", registered_on=dt.date(2023, 1, 5))
    event_services.signing_record(by=clerk_user, project=project, signed_on=dt.date(2023, 2, 10))
    project.refresh_from_db()
    lock = _lock(demo_users)
    before = _q1()

    # An edit of the signed amount moves the quarter's signed amount.
    ledger = xlsx_bytes(
        [
            project_row(
                项目名称=project.name,
                投资方=project.investor.name,
                登记日期="2023/1/5",
                签约日期="2023/2/10",
                **{"计划总投资(万元)": "9000"},
            )
        ]
    )
    batch = _upload(clerk, ledger)
    assert batch.preview[0]["action"] == "update", batch.preview
    assert ROW_LOCKED.format(row=2) in _page(clerk, batch)
    assert REFUSED in _confirm(clerk, batch)
    assert Project.objects.get(pk=project.pk).planned_investment == project.planned_investment
    _confirm(clerk, batch, correction_reason="投资额录错")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert Project.objects.get(pk=project.pk).planned_investment == Decimal("9000")
    assert lock.corrections.get().reason == "投资额录错"

    # Two months of funds in the locked quarter: one correction for the import, both months named.
    rows = [
        {"项目名称": project.name, "县区": "榆次区", "月份": "2023-02", "到位资金(万元)": 800},
        {"项目名称": project.name, "县区": "榆次区", "月份": "2023-03", "到位资金(万元)": 700},
    ]
    batch = _upload(clerk, csv_bytes(rows, header=FUNDS_HEADER), name="资金.csv", kind="funds")
    page = _page(clerk, batch)
    assert ROW_LOCKED.format(row=2) in page and ROW_LOCKED.format(row=3) in page
    assert REFUSED in _confirm(clerk, batch)
    assert not FundsInPlace.objects.exists()
    _confirm(clerk, batch, correction_reason="补录到位资金")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert FundsInPlace.objects.count() == 2
    funds = lock.corrections.get(reason="补录到位资金")
    assert any("2023-02-01" in k for k in funds.keys) and any("2023-03-01" in k for k in funds.keys)
    assert lock.corrections.count() == 2
    refresh.drain_outbox()
    assert _q1() == before
    assert not locks.changed_snapshots()


def test_an_import_touching_no_locked_period_asks_no_reason(clerk, demo_users):
    lock = _lock(demo_users)
    batch = _upload(clerk, xlsx_bytes([project_row(登记日期="2024/1/10", 签约日期="2024/2/3")]))
    page = _page(clerk, batch)
    assert "已锁定期间" not in page and REASON_FIELD not in page
    _confirm(clerk, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert Project.objects.get().stage == Stage.SIGNED
    assert not lock.corrections.exists()


def test_a_lock_made_after_the_preview_refuses_the_import_without_a_reason(clerk, demo_users):
    batch = _upload(clerk, xlsx_bytes([project_row()]))
    assert REASON_FIELD not in _page(clerk, batch)
    lock = _lock(demo_users)
    page = _confirm(clerk, batch)
    assert REFUSED in page
    assert not Project.objects.exists() and not lock.corrections.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    page = _page(clerk, batch)
    assert ROW_LOCKED.format(row=2) in page and REASON_FIELD in page
    _confirm(clerk, batch, correction_reason="锁定后补录")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert lock.corrections.get().reason == "锁定后补录"


def test_an_events_import_signing_in_a_locked_quarter_asks_for_a_reason(demo_users):
    """An events ledger's locked rows are found by its writer at the import: the first refused
    row shows the period, and the import, confirmed again with a reason, is one correction (the
    signings share the import's note)."""
    from demo.events_demo import load_event_kinds
    from events.models import Signing
    from imports import services
    from imports.columns import EVENT_COLUMNS

    load_event_kinds()
    clerk_user = demo_users["yuci_staff"]
    first = make_project(by=clerk_user, registered_on=dt.date(2023, 1, 5), stage=Stage.NEGOTIATING)
    second = make_project(by=clerk_user, registered_on=dt.date(2023, 1, 6), stage=Stage.NEGOTIATING)
    refresh.drain_outbox()
    lock = locks.period_lock(kind="quarter", year=2023, number=2, by=demo_users["city_staff"])
    event = {
        "活动名称": "晋中（深圳）招商推介会",
        "开始日期": "2023-06-08",
        "结束日期": "2023/6/9",
        "活动类型": "推介会",
        "举办城市": "深圳市",
        "举办省份": "广东省",
        "主办县区": "榆次区",
    }
    rows = [
        {**event, "签约项目名称": first.name, "签约项目县区": "榆次区", "签约日期": "2023-06-09"},
        {
            "活动名称": event["活动名称"],
            "开始日期": event["开始日期"],
            "签约项目名称": second.name,
            "签约项目县区": "榆次区",
            "签约日期": "2023-06-09",
        },
    ]
    data = xlsx_bytes(rows, header=[c.header for c in EVENT_COLUMNS], sheet="活动签约")
    batch = services.batch_create(kind="events", filename="活动.xlsx", data=data, by=clerk_user)
    batch = services.batch_preview(batch=batch)
    assert batch.can_confirm, batch.preview
    batch = services.batch_import(batch=batch, by=clerk_user)
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert "2023年第2季度" in batch.message and "更正原因" in batch.message
    assert services.locked_periods(batch.preview) == ["2023年第2季度"]
    assert not Signing.objects.exists() and not lock.corrections.exists()
    batch = services.batch_import(batch=batch, by=clerk_user, correction_reason="补录推介会签约")
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    assert Signing.objects.count() == 2
    correction = lock.corrections.get()
    assert correction.reason == "补录推介会签约" and f"台账导入 #{batch.pk}" in correction.subject


# --- rolling back an import that moves a locked period -------------------------------------------
ROLLBACK_REFUSED = (
    "未撤销任何数据：撤销该导入会改变已锁定期间（2023年第1季度）的数字，请填写更正原因"
)


def _rollback(client, batch, **data):
    response = client.post(reverse("imports:rollback", args=[batch.pk]), data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_rolling_back_an_import_of_a_locked_quarter_needs_a_reason(clerk, demo_users):
    batch = _upload(clerk, xlsx_bytes([project_row()]))  # registered and signed in 2023 Q1
    _confirm(clerk, batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    project = Project.objects.get()
    assert project.stage == Stage.SIGNED
    page = _page(clerk, batch)
    assert 'data-testid="rollback-form"' in page and REASON_FIELD in page
    lock = _lock(demo_users)
    locked = _q1()
    assert locked["signed_count"] == 1

    # Without a reason: refused with a clear message, nothing changes, the form asks for it.
    for data in ({}, {"correction_reason": "  "}):
        page = _rollback(clerk, batch, **data)
        assert ROLLBACK_REFUSED in page
        assert "required" in page.split('id="id_rollback_reason"')[1].split(">")[0]
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED
        assert Project.objects.get(pk=project.pk).stage == Stage.SIGNED
        assert not lock.corrections.exists()

    # With a reason: rolled back as one correction of the quarter; its figures do not move.
    page = _rollback(clerk, batch, correction_reason="该台账导错了文件")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert not Project.objects.exists()
    correction = lock.corrections.get()
    assert correction.reason == "该台账导错了文件"
    assert f"撤销台账导入 #{batch.pk}" in correction.subject and "台账.xlsx" in correction.subject
    assert correction.by == demo_users["yuci_staff"]
    assert any("2023-02-01" in key for key in correction.keys)  # the signing month
    refresh.drain_outbox()
    assert _q1() == locked
    assert not locks.changed_snapshots()
    listed = Client()
    listed.force_login(demo_users["city_staff"])
    period_page = listed.get(reverse("verification:lock_detail", args=[lock.pk])).content.decode()
    assert "该台账导错了文件" in period_page and f"撤销台账导入 #{batch.pk}" in period_page


def test_rolling_back_updates_and_funds_of_a_locked_quarter(clerk, demo_users):
    """Restored projects and funds (project_bulk_apply, funds_bulk_record, funds_bulk_delete)
    share the rollback's one note: one correction per locked period."""
    clerk_user = demo_users["yuci_staff"]
    project = make_project(by=clerk_user, amount="5000", registered_on=dt.date(2023, 1, 5))
    event_services.signing_record(by=clerk_user, project=project, signed_on=dt.date(2023, 2, 10))
    project.refresh_from_db()
    ledger = xlsx_bytes(
        [
            project_row(
                项目名称=project.name,
                投资方=project.investor.name,
                登记日期="2023/1/5",
                签约日期="2023/2/10",
                **{"计划总投资(万元)": "9000"},
            )
        ]
    )
    projects_batch = _upload(clerk, ledger)
    _confirm(clerk, projects_batch)
    rows = [
        {"项目名称": project.name, "县区": "榆次区", "月份": "2023-02", "到位资金(万元)": 800},
        {"项目名称": project.name, "县区": "榆次区", "月份": "2023-03", "到位资金(万元)": 700},
    ]
    funds_batch = _upload(
        clerk, csv_bytes(rows, header=FUNDS_HEADER), name="资金.csv", kind="funds"
    )
    _confirm(clerk, funds_batch)
    for batch in (projects_batch, funds_batch):
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.IMPORTED, batch.message
    lock = _lock(demo_users)
    locked = _q1()

    assert ROLLBACK_REFUSED in _rollback(clerk, funds_batch)
    assert FundsInPlace.objects.count() == 2 and not lock.corrections.exists()
    _rollback(clerk, funds_batch, correction_reason="到位资金重复导入")
    funds_batch.refresh_from_db()
    assert funds_batch.status == ImportBatch.Status.ROLLED_BACK
    assert not FundsInPlace.objects.exists()
    funds = lock.corrections.get()
    assert any("2023-02-01" in k for k in funds.keys) and any("2023-03-01" in k for k in funds.keys)

    assert ROLLBACK_REFUSED in _rollback(clerk, projects_batch)
    assert Project.objects.get(pk=project.pk).planned_investment == Decimal("9000")
    _rollback(clerk, projects_batch, correction_reason="投资额改回")
    projects_batch.refresh_from_db()
    assert projects_batch.status == ImportBatch.Status.ROLLED_BACK
    assert Project.objects.get(pk=project.pk).planned_investment == project.planned_investment
    assert lock.corrections.get(reason="投资额改回").subject.startswith("撤销台账导入")
    assert lock.corrections.count() == 2
    refresh.drain_outbox()
    assert _q1() == locked
    assert not locks.changed_snapshots()


def test_rolling_back_an_import_of_no_locked_period_needs_no_reason(clerk, demo_users):
    batch = _upload(clerk, xlsx_bytes([project_row(登记日期="2024/1/10", 签约日期="2024/2/3")]))
    _confirm(clerk, batch)
    lock = _lock(demo_users)
    page = _rollback(clerk, batch)
    assert "撤销该导入会改变已锁定期间" not in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK
    assert not Project.objects.exists() and not lock.corrections.exists()
