"""Signing a project from its own page: the events app's one-project signing form."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from events import services
from events.models import AgreementKind, Signing
from projects import services as project_services
from projects.models import Stage

D = dt.date
pytestmark = pytest.mark.django_db


def _url(project) -> str:
    return reverse("events:signing_new", args=[project.pk])


@pytest.fixture
def staff_client(client, demo_users):
    client.force_login(demo_users["city_staff"])
    return client


def test_form_offers_the_projects_amount_formal_contract_and_events_newest_first(
    staff_client, make_project, make_event
):
    project = make_project("榆次氢能项目", amount="25000", stage=Stage.LEAD)
    make_event("二月推介会", start=D(2023, 2, 3))
    make_event("四月洽谈会", start=D(2023, 4, 20))

    response = staff_client.get(_url(project))

    assert response.status_code == 200
    body = response.content.decode()
    assert "榆次氢能项目" in body and "项目签约" in body
    assert 'name="amount" value="25000"' in body
    assert re.search(r'<option value="formal" selected>正式合同</option>', body)
    assert "框架协议" in body and "战略合作协议" in body
    assert "非活动签约" in body
    assert body.index("2023-04-20 四月洽谈会") < body.index("2023-02-03 二月推介会")


def test_signing_at_an_event_records_it_moves_the_stage_and_returns_to_the_project(
    staff_client, make_project, make_event
):
    project = make_project("榆次氢能项目", amount="25000", stage=Stage.LEAD)
    event = make_event("二月推介会", start=D(2023, 2, 3), end=D(2023, 2, 4))

    response = staff_client.post(
        _url(project),
        {
            "signed_on": "2023-02-04",
            "amount": "2.4亿",
            "agreement_kind": AgreementKind.FRAMEWORK,
            "event": event.pk,
            "note": "现场签约",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("projects:detail", args=[project.pk]), 302)]
    signing = Signing.objects.get(project=project)
    assert (signing.signed_on, signing.amount, signing.agreement_kind, signing.event) == (
        D(2023, 2, 4),
        Decimal("24000"),
        AgreementKind.FRAMEWORK,
        event,
    )
    assert signing.note == "现场签约"
    project.refresh_from_db()
    assert (project.stage, project.signed_on) == (Stage.SIGNED, D(2023, 2, 4))
    body = response.content.decode()
    assert "已录入“榆次氢能项目”的签约(2023-02-04)。" in body
    # The project page lists the signing with its event.
    signings = body[body.index('data-testid="project-signings"') :]
    assert "2023-02-04" in signings and "24,000.00" in signings and "框架协议" in signings
    assert reverse("events:detail", args=[event.pk]) in signings


def test_signing_outside_an_event_from_negotiation(staff_client, make_project):
    project = make_project("太谷玛钢项目", region="140703", amount="8000")

    response = staff_client.post(
        _url(project),
        {"signed_on": "2023-03-01", "amount": "8000", "agreement_kind": AgreementKind.FORMAL},
    )

    assert response.status_code == 302
    signing = Signing.objects.get(project=project)
    assert signing.event is None and signing.amount == Decimal("8000")
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED


def test_a_future_signing_date_shows_the_message_and_saves_nothing(staff_client, make_project):
    project = make_project("榆次氢能项目", stage=Stage.LEAD)
    tomorrow = project_services.today() + dt.timedelta(days=1)

    response = staff_client.post(
        _url(project),
        {"signed_on": tomorrow.isoformat(), "amount": "10000", "agreement_kind": "formal"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert f"已发生的节点日期不能晚于今天({project_services.today().isoformat()})" in body
    assert tomorrow.isoformat() in body
    assert not Signing.objects.filter(project=project).exists()
    project.refresh_from_db()
    assert (project.stage, project.signed_on) == (Stage.LEAD, None)


def test_a_dropped_project_is_refused_with_the_services_message(staff_client, make_project):
    project = make_project("榆次氢能项目")
    project_services.project_advance_stage(
        project=project, to=Stage.DROPPED, on=D(2023, 1, 20), by=None, reason="投资方撤资"
    )

    response = staff_client.post(
        _url(project), {"signed_on": "2023-02-01", "amount": "10000", "agreement_kind": "formal"}
    )

    assert "已终止的项目不能签约,请先恢复。" in response.content.decode()
    assert not Signing.objects.filter(project=project).exists()


def test_a_date_outside_the_events_dates_is_refused(staff_client, make_project, make_event):
    project = make_project("榆次氢能项目")
    event = make_event("二月推介会", start=D(2023, 2, 3))

    response = staff_client.post(
        _url(project),
        {
            "signed_on": "2023-02-10",
            "amount": "10000",
            "agreement_kind": "formal",
            "event": event.pk,
        },
    )

    assert "本活动的签约日期须在活动日期内" in response.content.decode()
    assert not Signing.objects.exists()


def test_county_staff_cannot_open_another_countys_project(client, demo_users, make_project):
    project = make_project("太谷玛钢项目", region="140703")
    client.force_login(demo_users["yuci_staff"])

    assert client.get(_url(project)).status_code == 404
    data = {"signed_on": "2023-02-01", "amount": "10000", "agreement_kind": "formal"}
    assert client.post(_url(project), data).status_code == 404
    assert not Signing.objects.exists()


def test_county_staff_signs_their_own_project_at_their_own_events_only(
    client, demo_users, make_project, make_event
):
    project = make_project("榆次氢能项目")
    make_event("榆次小分队", start=D(2023, 3, 7), organisers=("140702",))
    make_event("祁县广交会", start=D(2023, 4, 23), organisers=("140727",))
    client.force_login(demo_users["yuci_staff"])

    body = client.get(_url(project)).content.decode()

    assert "榆次小分队" in body and "祁县广交会" not in body


@pytest.mark.parametrize("username", ["leader", "yuci_official"])
def test_read_only_roles_are_refused(client, demo_users, make_project, username):
    project = make_project("榆次氢能项目")
    client.force_login(demo_users[username])

    assert client.get(_url(project)).status_code == 403
    data = {"signed_on": "2023-02-01", "amount": "10000", "agreement_kind": "formal"}
    assert client.post(_url(project), data).status_code == 403
    assert not Signing.objects.exists()


def test_unknown_project_is_not_found(staff_client):
    assert staff_client.get(reverse("events:signing_new", args=[999999])).status_code == 404


def test_project_page_links_the_sign_actions_to_the_signing_form(staff_client, make_project):
    lead = make_project("榆次氢能项目", stage=Stage.LEAD)
    negotiating = make_project("太谷玛钢项目", region="140703")

    for project, label in ((lead, "直接签约"), (negotiating, "推进到“签约”")):
        body = staff_client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        link = f'href="{reverse("events:signing_new", args=[project.pk])}"'
        assert re.search(rf"<a [^>]*{re.escape(link)}[^>]*>{label}</a>", body), label
        # The date-only stage form for 签约 is gone; the other stage actions stay.
        assert 'id="stage-signed"' not in body
        assert 'id="stage-dropped"' in body


def test_project_page_shows_a_signing_made_at_an_event_page(staff_client, make_project, make_event):
    project = make_project("榆次氢能项目")
    event = make_event("二月推介会", start=D(2023, 2, 3))
    services.signing_record(
        by=None, project=project, signed_on=D(2023, 2, 3), event=event, amount="5000"
    )

    body = staff_client.get(reverse("projects:detail", args=[project.pk])).content.decode()

    signings = body[body.index('data-testid="project-signings"') :]
    assert "2023-02-03" in signings and "5,000.00" in signings and "正式合同" in signings
    assert "二月推介会" in signings
    # A later agreement (a formal contract after a framework one) is signed from the same card.
    assert f'href="{reverse("events:signing_new", args=[project.pk])}"' in signings
