"""The dashboards' signed figures say their counting caliber (口径) and link to a project list that
counts the same projects; completed investment (完成投资) is a figure beside funds in place."""

import datetime as dt
from decimal import Decimal

import pytest

from core.models import Region
from enterprises.models import Enterprise
from events import services as event_services
from projects import services as project_services
from projects.models import Project
from rollups import refresh as rollup_refresh


@pytest.fixture
def demo(dashboard_demo, db):
    return None


Q1 = "/dashboards/?year=2023&quarter=1"


def _kpi(response, key):
    return next(k for k in response.context["kpis"] if k["key"] == key)


def test_the_signed_figures_show_their_caliber(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    html = client.get(Q1).content.decode()
    # Signed projects and signed investment; new-start and funds say what "verified" counts.
    assert html.count('data-testid="kpi-caliber"') == 4
    assert "口径:签约项目仅计正式合同" in html
    assert html.count("已核实＝证明材料经市级核实") == 4


def test_the_list_behind_the_signed_figure_shows_the_same_count_and_total(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    response = client.get(Q1)
    count, amount = _kpi(response, "signed_count"), _kpi(response, "signed_amount")
    assert (count["value"], amount["value"]) == (39, Decimal("3566900"))
    listed = client.get(amount["url"]).context["totals"]
    assert (listed["count"], listed["amount"]) == (39, Decimal("3566900"))


def test_a_framework_agreement_is_shown_but_not_counted_in_the_signed_figures(
    demo, client, demo_users
):
    project = project_services.project_create(
        by=None,
        name="框架协议测试项目",
        investor=Enterprise.objects.order_by("id").first(),
        region=Region.objects.get(code="140702"),
        planned_investment=Decimal("50000"),
        registered_on=dt.date(2023, 1, 5),
        stage="negotiating",
        negotiating_on=dt.date(2023, 1, 20),
    )
    event_services.signing_record(
        by=None, project=project, signed_on=dt.date(2023, 3, 20), agreement_kind="framework"
    )
    rollup_refresh.drain_outbox()
    client.force_login(demo_users["leader"])
    response = client.get(Q1)
    assert _kpi(response, "signed_count")["value"] == 39
    assert _kpi(response, "signed_amount")["value"] == Decimal("3566900")
    listed = client.get(_kpi(response, "signed_count")["url"]).context["totals"]
    assert (listed["count"], listed["amount"]) == (39, Decimal("3566900"))
    # Recorded and shown: the project is signed, and its signing is on its page.
    assert Project.objects.get(pk=project.pk).stage == "signed"
    assert project.signings.get().get_agreement_kind_display()


def test_completed_investment_is_a_dashboard_figure(demo, client, demo_users):
    client.force_login(demo_users["leader"])
    before = _kpi(client.get(Q1), "completed_amount")["value"]
    project = Project.objects.filter(signed_on__year=2023).first()
    project_services.completed_investment_record(
        project=project, month=dt.date(2023, 2, 1), amount="12345", by=None
    )
    rollup_refresh.drain_outbox()
    response = client.get(Q1)
    assert _kpi(response, "completed_amount")["value"] == before + Decimal("12345")
    feb = response.context["trend"][1]
    assert feb["completed_amount"] >= Decimal("12345")
    assert response.context["quarters"][0]["completed_amount"] == before + Decimal("12345")
