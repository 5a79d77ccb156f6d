"""Locked periods (issue 21): the snapshot written from the rollups, edits after a lock only as
corrections with a reason, readers of a locked period reading the snapshot, unlocking, and
verify_rollups finding a snapshot changed after its lock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from core.periods import Period
from dashboards import reads
from dashboards.selectors import dashboard_data
from projects.models import Project, Stage
from projects.services import project_update
from rollups import locks, refresh
from rollups.models import RegionMonthRollup
from tests.factories import make_project

pytestmark = pytest.mark.django_db
Q1 = Period.of_quarter(2023, 1)


@pytest.fixture
def signed(demo_users):
    """Two 榆次 projects signed in 2023 Q1 (5000 and 3000 万元), the rollups drained."""
    clerk = demo_users["yuci_staff"]
    projects = [
        make_project(
            by=clerk,
            amount=amount,
            stage=Stage.SIGNED,
            signed_on=dt.date(2023, 2, day),
            registered_on=dt.date(2023, 1, 5),
        )
        for amount, day in (("5000", 10), ("3000", 20))
    ]
    refresh.drain_outbox()
    return projects


def _q1_signed() -> tuple[int, Decimal]:
    card = {k["key"]: k["value"] for k in dashboard_data(period=Q1)["kpis"]}
    return card["signed_count"], card["signed_amount"]


def test_a_locked_quarter_keeps_its_figures_and_an_edit_needs_a_correction_reason(
    signed, demo_users
):
    lock = locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    live_rows = RegionMonthRollup.objects.filter(month__year=2023, month__month__lte=3)
    assert lock.region_months.count() == live_rows.count() > 0
    assert lock.cells.count() > 0 and lock.digest
    assert _q1_signed() == (2, Decimal("8000"))
    clerk = demo_users["yuci_staff"]
    project = signed[0]

    # Without a reason: refused in Chinese, nothing saved.
    with pytest.raises(ValidationError) as exc:
        project_update(project=project, by=clerk, signed_on=dt.date(2023, 4, 2))
    assert "已锁定" in " ".join(exc.value.messages) and "更正原因" in " ".join(exc.value.messages)
    assert Project.objects.get(pk=project.pk).signed_on == dt.date(2023, 2, 10)
    assert not lock.corrections.exists()

    # With a reason: saved as a correction; the live rollups move, the locked figures do not.
    project_update(
        project=project, by=clerk, signed_on=dt.date(2023, 4, 2), correction_reason="合同日期录错"
    )
    refresh.drain_outbox()
    correction = lock.corrections.get()
    assert (correction.reason, correction.by, correction.subject) == (
        "合同日期录错",
        clerk,
        project.name,
    )
    assert _q1_signed() == (2, Decimal("8000"))
    data = dashboard_data(period=Q1)
    assert [x.pk for x in data["period_locks"]] == [lock.pk]
    as_live = reads.rollup_totals(user=demo_users["city_staff"], group_by=[], period=Q1)
    used = []
    as_locked = reads.rollup_totals(
        user=demo_users["city_staff"],
        group_by=["region"],
        period=Q1,
        as_locked=True,
        used_locks=used,
    )
    assert as_live[0]["signed_count"] == 1
    assert [(r["region"], r["signed_count"]) for r in as_locked] == [("140702", 2)]
    assert used == [lock]
    # An edit outside the locked months needs no reason.
    project_update(project=project, by=clerk, signed_on=dt.date(2023, 4, 3))
    assert lock.corrections.count() == 1


def test_who_may_lock_and_unlock_and_unlocking_needs_a_reason(signed, demo_users):
    with pytest.raises(PermissionDenied):
        locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["yuci_staff"])
    lock = locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    with pytest.raises(ValidationError, match="已锁定"):
        locks.period_lock(kind="month", year=2023, number=2, by=demo_users["city_staff"])
    with pytest.raises(PermissionDenied):
        locks.period_unlock(lock=lock, by=demo_users["city_staff"], reason="重新统计")
    with pytest.raises(ValidationError, match="解锁原因"):
        locks.period_unlock(lock=lock, by=demo_users["admin"], reason=" ")
    lock = locks.period_unlock(lock=lock, by=demo_users["admin"], reason="重新统计")
    assert (lock.unlocked_by, lock.unlock_reason) == (demo_users["admin"], "重新统计")
    assert lock.unlocked_at is not None
    # Unlocked: edits are free again and the dashboard reads live figures.
    project_update(project=signed[0], by=demo_users["yuci_staff"], signed_on=dt.date(2023, 4, 2))
    refresh.drain_outbox()
    assert _q1_signed() == (1, Decimal("3000"))
    assert dashboard_data(period=Q1)["period_locks"] == []


def test_verify_rollups_finds_a_snapshot_changed_after_its_lock(signed, demo_users, capsys):
    lock = locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    call_command("verify_rollups")
    assert "locked snapshots unchanged" in capsys.readouterr().out
    lock.region_months.filter(signed_count__gt=0).update(signed_count=99)
    assert locks.changed_snapshots() == [lock]
    with pytest.raises(SystemExit) as exc:
        call_command("verify_rollups")
    assert exc.value.code == 1
    assert f"lock #{lock.pk}" in capsys.readouterr().err


def test_the_api_corrects_a_locked_figure_only_with_a_reason(signed, demo_users):
    from rest_framework.test import APIClient

    locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    client = APIClient()
    client.force_authenticate(demo_users["yuci_staff"])
    url = f"/api/v1/projects/{signed[0].pk}/"
    refused = client.patch(url, {"signed_on": "2023-04-02"}, format="json")
    assert refused.status_code == 400 and "更正原因" in refused.content.decode()
    assert Project.objects.get(pk=signed[0].pk).signed_on == dt.date(2023, 2, 10)
    saved = client.patch(
        url, {"signed_on": "2023-04-02", "correction_reason": "日期录错"}, format="json"
    )
    assert saved.status_code == 200, saved.content
    assert locks.Correction.objects.get().reason == "日期录错"
