"""Completed investment (完成投资) is a rollup measure beside funds in place, and the signed figures
count only the agreement kinds the counting caliber (口径) includes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from events import services as event_services
from projects import services as project_services
from projects.filtersets import ProjectFilterSet
from projects.models import Project
from rollups import refresh, services
from rollups.models import MonthlyRollup, RegionMonthRollup, RollupStatus, counted_agreement_kinds

from .conftest import assert_rollups_equal_live, cell_totals

FEB, MAR = dt.date(2023, 2, 1), dt.date(2023, 3, 1)


def _completed(region, month) -> Decimal:
    return (
        MonthlyRollup.objects.filter(region_id=region.pk, month=month).aggregate(
            s=Sum("completed_amount")
        )["s"]
        or 0
    )


def _sign(world, *, kind: str, on=dt.date(2023, 2, 3), project=None):
    project = project or world.project(stage="negotiating", negotiating_on=dt.date(2023, 1, 20))
    event_services.signing_record(by=None, project=project, signed_on=on, agreement_kind=kind)
    return Project.objects.get(pk=project.pk)


# --- completed investment ------------------------------------------------------------------------
def test_a_completed_investment_record_changes_the_rollup_after_a_refresh(world):
    project = world.project(stage="signed", signed_on=dt.date(2023, 1, 9))
    refresh.drain_outbox()
    assert _completed(world.yuci, MAR) == 0
    project_services.completed_investment_record(
        project=project, month=MAR, amount="2500.5", by=None
    )
    refresh.drain_outbox()
    assert _completed(world.yuci, MAR) == Decimal("2500.5")
    row = RegionMonthRollup.objects.get(region_id=world.yuci.pk, month=MAR)
    assert (row.completed_count, row.completed_amount) == (1, Decimal("2500.5"))
    # A correction is an edit of the month's record: the cell follows it.
    project_services.completed_investment_record(project=project, month=MAR, amount="3000", by=None)
    refresh.drain_outbox()
    assert _completed(world.yuci, MAR) == Decimal("3000")
    assert_rollups_equal_live()


def test_completed_investment_moves_with_its_project_and_the_rebuild_finds_no_drift(world):
    project = world.project(stage="signed", signed_on=dt.date(2023, 1, 9))
    project_services.completed_investment_record(project=project, month=MAR, amount="800", by=None)
    project_services.funds_record(project=project, month=MAR, amount="500", by=None)
    refresh.drain_outbox()
    project_services.project_update(project=project, by=None, region=world.taigu)
    refresh.drain_outbox()
    assert _completed(world.yuci, MAR) == 0
    assert _completed(world.taigu, MAR) == Decimal("800")
    assert cell_totals(world.taigu, MAR)["funds_amount"] == Decimal("500")
    assert refresh.rebuild_all().drift == 0


# --- the counting caliber --------------------------------------------------------------------------
def test_the_default_caliber_counts_formal_contracts_only(db):
    assert counted_agreement_kinds() == ("formal",)


def test_a_framework_agreement_does_not_raise_the_signed_figures_under_the_default_caliber(world):
    refresh.drain_outbox()
    _sign(world, kind="framework")
    refresh.drain_outbox()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 0
    assert cell_totals(world.yuci, FEB)["signed_amount"] == 0
    # ... and the project is still recorded as signed.
    assert Project.objects.get().stage == "signed"
    assert_rollups_equal_live()


def test_a_formal_contract_signing_and_a_project_signed_without_a_record_both_count(world):
    _sign(world, kind="formal")
    world.project(name="页面签约项目", stage="signed", signed_on=dt.date(2023, 2, 10))
    refresh.drain_outbox()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 2
    assert_rollups_equal_live()


def test_a_formal_contract_after_a_framework_agreement_makes_the_project_count(world):
    project = _sign(world, kind="framework")
    refresh.drain_outbox()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 0
    _sign(world, kind="formal", on=dt.date(2023, 2, 20), project=project)
    refresh.drain_outbox()
    # Counted in the month of the project's signing milestone.
    assert cell_totals(world.yuci, FEB)["signed_count"] == 1
    assert_rollups_equal_live()


def test_a_caliber_that_counts_framework_agreements_raises_the_figures_after_its_rebuild(world):
    _sign(world, kind="framework")
    _sign(world, kind="strategic", project=world.project(name="战略项目"))
    refresh.drain_outbox()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 0

    services.caliber_update(counts_formal=True, counts_framework=True, counts_strategic=False)
    assert RollupStatus.get().rebuild_requested_at is not None  # the rebuild is queued
    assert refresh.rebuild_all().drift > 0  # the cells the caliber change moved
    assert cell_totals(world.yuci, FEB)["signed_count"] == 1
    assert cell_totals(world.yuci, FEB)["signed_amount"] == Decimal("10000")
    assert refresh.rebuild_all().drift == 0
    assert_rollups_equal_live()

    # A later framework signing is counted by the ordinary refresh under the new caliber.
    _sign(world, kind="framework", project=world.project(name="第三个项目"))
    refresh.drain_outbox()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 2
    assert refresh.rebuild_all().drift == 0

    # Back to the default: the framework agreements leave the figures again.
    services.caliber_update(counts_formal=True, counts_framework=False, counts_strategic=False)
    refresh.rebuild_all()
    assert cell_totals(world.yuci, FEB)["signed_count"] == 0
    assert refresh.rebuild_all().drift == 0


def test_a_caliber_must_count_some_agreement_kind(db):
    with pytest.raises(ValidationError):
        services.caliber_update(counts_formal=False, counts_framework=False, counts_strategic=False)
    assert counted_agreement_kinds() == ("formal",)


@pytest.mark.parametrize("framework_counts", [False, True])
def test_the_project_list_filter_counts_what_the_signed_figure_counts(world, framework_counts):
    _sign(world, kind="framework")
    _sign(world, kind="formal", project=world.project(name="正式合同项目"))
    world.project(name="页面签约项目", stage="signed", signed_on=dt.date(2023, 2, 10))
    services.caliber_update(
        counts_formal=True, counts_framework=framework_counts, counts_strategic=False
    )
    refresh.drain_outbox()
    refresh.rebuild_all()
    params = {"counts_as_signed": "true", "signed_from": "2023-02-01", "signed_to": "2023-02-28"}
    listed = ProjectFilterSet(params, queryset=Project.objects.all()).qs
    figures = cell_totals(world.yuci, FEB)
    assert listed.count() == figures["signed_count"] == (3 if framework_counts else 2)
    assert sum(p.planned_investment for p in listed) == figures["signed_amount"]


# --- the admin -------------------------------------------------------------------------------------
def test_the_city_administrator_sets_the_caliber_in_the_admin_and_a_rebuild_is_queued(
    client, demo_users, django_capture_on_commit_callbacks, monkeypatch
):
    from django.urls import reverse

    sent = []
    monkeypatch.setattr("rollups.tasks.rebuild_rollups.apply_async", lambda **kw: sent.append(kw))
    client.force_login(demo_users["admin"])
    add = reverse("admin:rollups_signingcaliber_add")
    form = {"counts_formal": "on", "counts_framework": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert counted_agreement_kinds() == ("formal", "framework")
    assert len(sent) == 1
    # Nothing counted is refused on the page, and nothing changes.
    change = reverse("admin:rollups_signingcaliber_change", args=[1])
    response = client.post(change, {})
    assert response.status_code == 200 and "至少须有一种协议类型计入签约项目" in response.text
    assert counted_agreement_kinds() == ("formal", "framework")


def test_only_the_city_administrator_may_change_the_caliber(client, demo_users):
    from django.urls import reverse

    staff = demo_users["city_staff"]  # may open the admin, with change rights on rollups models
    client.force_login(staff)
    response = client.post(reverse("admin:rollups_signingcaliber_add"), {"counts_framework": "on"})
    assert response.status_code == 403
    assert counted_agreement_kinds() == ("formal",)
