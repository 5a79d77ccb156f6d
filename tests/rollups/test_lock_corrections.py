"""Signings and funds in place after a lock (issue 21): an edit that moves a locked figure is saved
only as a correction with a reason (form field and API field), the correction is listed on the
period's page, and the locked figure does not move."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.periods import Period
from dashboards.selectors import dashboard_data
from events import services as event_services
from events.models import Signing
from projects import services as project_services
from projects.models import FundsInPlace, Stage
from rollups import locks, refresh
from tests.factories import make_project

pytestmark = pytest.mark.django_db
REFUSED = "该修改会改变已锁定期间（2023年第1季度）的数字，请填写更正原因"
Q1 = Period.of_quarter(2023, 1)


@pytest.fixture
def locked(demo_users):
    """A 榆次 project signed on 2023-02-10 (a formal contract, 5000 万元) with 2023-02 funds of
    1200 万元; 2023 Q1 locked by city staff."""
    clerk = demo_users["yuci_staff"]
    project = make_project(
        by=clerk, amount="5000", stage=Stage.LEAD, registered_on=dt.date(2023, 1, 5)
    )
    signing = event_services.signing_record(
        by=clerk, project=project, signed_on=dt.date(2023, 2, 10)
    )
    project_services.funds_record(
        project=signing.project, month=dt.date(2023, 2, 1), amount="1200", by=clerk
    )
    refresh.drain_outbox()
    lock = locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    return signing, lock


def _q1() -> dict:
    return {k["key"]: k["value"] for k in dashboard_data(period=Q1)["kpis"]}


def _listed(lock, user) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("verification:lock_detail", args=[lock.pk])).content.decode()


def test_a_signing_corrected_through_the_api_needs_a_reason(locked, demo_users):
    signing, lock = locked
    before = _q1()
    client = APIClient()
    client.force_authenticate(demo_users["yuci_staff"])
    url = f"/api/v1/signings/{signing.pk}/"
    refused = client.patch(url, {"agreement_kind": "framework"}, format="json")
    assert refused.status_code == 400 and "更正原因" in refused.content.decode()
    assert Signing.objects.get(pk=signing.pk).agreement_kind == "formal"
    assert not lock.corrections.exists()
    # A note moves no figure: no reason needed.
    assert client.patch(url, {"note": "补充说明"}, format="json").status_code == 200
    saved = client.patch(
        url, {"agreement_kind": "framework", "correction_reason": "协议类型录错"}, format="json"
    )
    assert saved.status_code == 200, saved.content
    assert Signing.objects.get(pk=signing.pk).agreement_kind == "framework"
    correction = lock.corrections.get()
    assert correction.reason == "协议类型录错" and signing.project.name in correction.subject
    refresh.drain_outbox()
    assert _q1()["signed_count"] == before["signed_count"] == 1
    assert _q1()["signed_amount"] == before["signed_amount"]
    page = _listed(lock, demo_users["city_staff"])
    assert "协议类型录错" in page and signing.project.name in page


def test_a_signing_recorded_in_a_locked_month_from_the_project_page(locked, demo_users):
    signing, lock = locked
    clerk = demo_users["yuci_staff"]
    client = Client()
    client.force_login(clerk)
    url = reverse("events:signing_new", args=[signing.project.pk])
    data = {"signed_on": "2023-03-01", "amount": "800", "agreement_kind": "framework"}
    refused = client.post(url, data)
    assert refused.status_code in (200, 400)
    assert REFUSED in refused.content.decode()
    assert Signing.objects.count() == 1 and not lock.corrections.exists()
    saved = client.post(url, {**data, "correction_reason": "补录漏报的补充协议"})
    assert saved.status_code in (200, 302), saved.content.decode()[:500]
    assert Signing.objects.count() == 2
    assert lock.corrections.get().reason == "补录漏报的补充协议"
    refresh.drain_outbox()
    assert "补录漏报的补充协议" in _listed(lock, demo_users["city_staff"])


def test_a_signing_deleted_in_a_locked_month_needs_a_reason(locked, demo_users):
    signing, lock = locked
    clerk = demo_users["yuci_staff"]
    pk = signing.pk
    with pytest.raises(ValidationError) as exc:
        event_services.signing_delete(signing=Signing.objects.get(pk=pk), by=clerk)
    assert "更正原因" in " ".join(exc.value.messages)
    assert Signing.objects.filter(pk=pk).exists()
    event_services.signing_delete(
        signing=Signing.objects.get(pk=pk), by=clerk, correction_reason="重复录入"
    )
    assert not Signing.objects.filter(pk=pk).exists()
    assert lock.corrections.get().reason == "重复录入"


def test_funds_of_a_locked_month_change_only_as_a_correction(locked, demo_users):
    signing, lock = locked
    before = _q1()
    clerk = demo_users["yuci_staff"]
    client = Client()
    client.force_login(clerk)
    url = reverse("projects:money", args=[signing.project.pk])
    data = {"kind": "funds", "month": "2023-02", "amount": "2000", "note": ""}
    refused = client.post(url, data)
    assert REFUSED in refused.content.decode()
    assert FundsInPlace.objects.get().amount == Decimal("1200")
    assert not lock.corrections.exists()
    saved = client.post(url, {**data, "correction_reason": "银行回单金额更正"})
    assert saved.status_code == 302
    assert FundsInPlace.objects.get().amount == Decimal("2000")
    assert lock.corrections.get().reason == "银行回单金额更正"
    refresh.drain_outbox()
    assert _q1()["funds_amount"] == before["funds_amount"]
    assert "银行回单金额更正" in _listed(lock, demo_users["city_staff"])
    # The API takes the same field.
    api = APIClient()
    api.force_authenticate(clerk)
    body = {"project": signing.project.pk, "month": "2023-03-01", "amount": "10"}
    refused = api.post("/api/v1/funds-in-place/", body, format="json")
    assert refused.status_code == 400 and "更正原因" in refused.content.decode()
    saved = api.post(
        "/api/v1/funds-in-place/", {**body, "correction_reason": "补录"}, format="json"
    )
    assert saved.status_code == 201, saved.content
    assert lock.corrections.count() == 2


@pytest.fixture
def q1_event(locked, demo_users):
    """After the lock: a 2023-03 推介会 organised by 榆次 and a 榆次 lead registered in 2022 (neither
    moves a Q1 figure)."""
    from core.models import Region
    from demo.events_demo import load_event_kinds
    from events.models import EventKind

    load_event_kinds()
    clerk = demo_users["yuci_staff"]
    event = event_services.event_create(
        by=clerk,
        kind=EventKind.objects.get(code="conference"),
        title="三月推介会",
        start_on=dt.date(2023, 3, 1),
        end_on=dt.date(2023, 3, 2),
        place_city="太原市",
        organisers=[Region.objects.get(code="140702")],
    )
    lead = make_project(by=clerk, amount="800", registered_on=dt.date(2022, 12, 1))
    return event, lead


def _rows(**row) -> dict:
    """The event page's multi-row signings form: row 0 filled in, three rows left blank."""
    data = {"s-TOTAL_FORMS": "4", "s-INITIAL_FORMS": "0", "s-MIN_NUM_FORMS": "0"}
    data["s-MAX_NUM_FORMS"] = "50"
    for i in range(4):
        data[f"s-{i}-signed_on"] = "2023-03-01"
        data[f"s-{i}-agreement_kind"] = "formal"
    data.update({f"s-0-{name}": value for name, value in row.items()})
    return data


def test_a_signing_in_a_locked_month_from_the_event_signings_form(locked, q1_event, demo_users):
    signing, lock = locked
    event, lead = q1_event
    before = _q1()
    client = Client()
    client.force_login(demo_users["yuci_staff"])
    url = reverse("events:signings", args=[event.pk])
    # Without a reason: refused beside the row, in the same words as the single-signing form.
    refused = client.post(url, _rows(project=str(lead.pk)))
    page = refused.content.decode()
    assert refused.status_code == 200 and REFUSED in page
    assert "未保存任何内容" in page  # "nothing was saved"
    assert Signing.objects.count() == 1 and not lock.corrections.exists()
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD
    # The row's reason field is on the form, opened beside the refusal.
    assert 'name="s-0-correction_reason"' in page and "更正原因" in page
    # With a reason: saved as a correction, listed on the period's page; Q1 stays as locked.
    saved = client.post(url, _rows(project=str(lead.pk), correction_reason="补录三月推介会签约"))
    assert saved.status_code == 302, saved.content.decode()[:800]
    lead.refresh_from_db()
    assert lead.stage == Stage.SIGNED and lead.signed_on == dt.date(2023, 3, 1)
    assert Signing.objects.filter(event=event, project=lead).exists()
    correction = lock.corrections.get()
    assert correction.reason == "补录三月推介会签约" and lead.name in correction.subject
    refresh.drain_outbox()
    assert _q1()["signed_count"] == before["signed_count"] == 1
    assert _q1()["signed_amount"] == before["signed_amount"]
    assert "补录三月推介会签约" in _listed(lock, demo_users["city_staff"])


def test_a_new_project_signed_in_a_locked_month_from_the_event_signings_form(
    locked, q1_event, demo_users
):
    from core.models import Region
    from projects.models import Project

    signing, lock = locked
    event, _lead = q1_event
    before = _q1()
    client = Client()
    client.force_login(demo_users["yuci_staff"])
    url = reverse("events:signings", args=[event.pk])
    row = {
        "new_name": "三月新签光伏项目",
        "new_investor": "山西某某光伏有限公司",
        "new_region": str(Region.objects.get(code="140702").pk),
        "amount": "3000",
    }
    refused = client.post(url, _rows(**row))
    assert refused.status_code == 200 and REFUSED in refused.content.decode()
    assert not Project.objects.filter(name="三月新签光伏项目").exists()
    assert Signing.objects.count() == 1 and not lock.corrections.exists()
    saved = client.post(url, _rows(**row, correction_reason="推介会当场签约，漏报"))
    assert saved.status_code == 302, saved.content.decode()[:800]
    project = Project.objects.get(name="三月新签光伏项目")
    assert Signing.objects.filter(event=event, project=project).exists()
    # The new project's registration and its signing: each a correction with the reason.
    assert set(lock.corrections.values_list("reason", flat=True)) == {"推介会当场签约，漏报"}
    refresh.drain_outbox()
    assert _q1()["signed_count"] == before["signed_count"]
    assert "推介会当场签约，漏报" in _listed(lock, demo_users["city_staff"])


def test_a_batch_ceremony_in_a_locked_month_records_its_starts_only_as_a_correction(
    locked, demo_users
):
    """「三个一批」 on the event page: the projects started at a ceremony in a locked quarter move a
    locked figure, so the form takes a correction reason, as the signing forms do."""
    from core.models import Region
    from demo.events_demo import load_event_kinds
    from events.models import BatchMilestone, EventKind
    from projects.models import Project

    signing, lock = locked
    load_event_kinds()
    clerk = demo_users["yuci_staff"]
    event = event_services.event_create(
        by=clerk,
        kind=EventKind.objects.get(code="three-batches"),
        title="三月集中开工仪式",
        start_on=dt.date(2023, 3, 5),
        place_city="晋中市",
        organisers=[Region.objects.get(code="140702")],
    )
    before = _q1()
    client = Client()
    client.force_login(clerk)
    url = reverse("events:batch", args=[event.pk])
    detail = reverse("events:detail", args=[event.pk])
    data = {"milestone": "started", "projects": [signing.project.pk]}
    assert 'name="correction_reason"' in client.get(detail).content.decode()
    refused = client.post(url, data, follow=True)
    assert REFUSED in refused.content.decode()
    assert Project.objects.get(pk=signing.project.pk).started_on is None
    assert not BatchMilestone.objects.exists() and not lock.corrections.exists()
    saved = client.post(url, {**data, "correction_reason": "开工仪式漏报"}, follow=True)
    assert "已记录 1 个项目" in saved.content.decode()
    assert Project.objects.get(pk=signing.project.pk).started_on == dt.date(2023, 3, 5)
    assert BatchMilestone.objects.filter(event=event).count() == 1
    correction = lock.corrections.get()
    assert correction.reason == "开工仪式漏报" and correction.subject == signing.project.name
    refresh.drain_outbox()
    assert _q1()["started_amount"] == before["started_amount"]
    assert "开工仪式漏报" in _listed(lock, demo_users["city_staff"])
