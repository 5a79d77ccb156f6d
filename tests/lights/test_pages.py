"""The rule page (city staff only) and the 督办 pages: who may do what, what they see."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Attachment
from lights import services
from lights.models import LightRule, SupervisionItem
from projects.models import Stage
from tests.factories import make_project

pytestmark = pytest.mark.django_db
D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def red_item(reference_data, demo_users):
    project = make_project(
        by=demo_users["yuci_staff"],
        stage=Stage.SIGNED,
        signed_on=D(2023, 2, 3),
        name="榆次红灯项目",
    )
    services.lights_refresh()
    return SupervisionItem.objects.get(project=project)


def test_city_staff_change_a_limit_on_the_rule_page(client_for, demo_users):
    c = client_for(demo_users["city_staff"])
    rule = LightRule.objects.get(is_current=True, from_stage="signed")
    page = c.get(reverse("lights:rules"))
    assert page.status_code == 200 and "签约→开工" in page.text
    response = c.post(
        reverse("lights:rule_edit", args=[rule.series]), {"yellow_days": 200, "red_days": 250}
    )
    assert response.status_code == 302
    assert LightRule.objects.get(series=rule.series, is_current=True).red_days == 250


def test_rule_page_shows_the_error_and_saves_nothing(client_for, demo_users):
    c = client_for(demo_users["city_staff"])
    rule = LightRule.objects.get(is_current=True, from_stage="signed")
    response = c.post(
        reverse("lights:rule_edit", args=[rule.series]), {"yellow_days": 200, "red_days": 100}
    )
    assert response.status_code == 200
    assert "红灯时限必须长于黄灯时限" in response.text
    assert LightRule.objects.filter(series=rule.series).count() == 1


@pytest.mark.parametrize("username", ["yuci_staff", "yuci_official", "leader"])
def test_others_get_403_on_the_rule_pages(client_for, demo_users, username):
    c = client_for(demo_users[username])
    rule = LightRule.objects.get(is_current=True, from_stage="signed")
    assert c.get(reverse("lights:rules")).status_code == 403
    assert (
        c.post(
            reverse("lights:rule_edit", args=[rule.series]), {"yellow_days": 1, "red_days": 2}
        ).status_code
        == 403
    )


def test_county_clerk_answers_with_evidence_and_city_closes(client_for, demo_users, red_item):
    clerk = client_for(demo_users["yuci_staff"])
    url = reverse("lights:supervision_detail", args=[red_item.pk])
    assert "answer-form" in clerk.get(url).text
    empty = clerk.post(reverse("lights:supervision_answer", args=[red_item.pk]), {"answer": " "})
    assert empty.status_code == 302
    assert SupervisionItem.objects.get(pk=red_item.pk).status == "open"
    upload = SimpleUploadedFile("开工照片.pdf", PDF, content_type="application/pdf")
    clerk.post(
        reverse("lights:supervision_answer", args=[red_item.pk]),
        {"answer": "已完成用地手续,预计下月开工。", "evidence": upload},
    )
    item = SupervisionItem.objects.get(pk=red_item.pk)
    assert item.status == "answered" and item.answer.startswith("已完成")
    assert Attachment.objects.filter(object_id=item.pk).count() == 1
    # The county may not close it.
    refused = clerk.post(
        reverse("lights:supervision_review", args=[item.pk]), {"decision": "closed"}
    )
    assert refused.status_code == 403
    city = client_for(demo_users["city_staff"])
    city.post(reverse("lights:supervision_review", args=[item.pk]), {"decision": "closed"})
    item.refresh_from_db()
    assert item.status == "closed"
    assert item.history.count() == 3  # opened, answered, closed: the 变更记录
    assert "变更记录" in city.get(url).text or "history-panel" in city.get(url).text


def test_other_county_sees_neither_the_item_nor_it_in_the_list(client_for, demo_users, red_item):
    c = client_for(demo_users["taigu_staff"])
    assert c.get(reverse("lights:supervision_detail", args=[red_item.pk])).status_code == 404
    assert "榆次红灯项目" not in c.get(reverse("lights:supervision_list")).text
    mine = client_for(demo_users["yuci_official"])
    assert "榆次红灯项目" in mine.get(reverse("lights:supervision_list")).text


def test_overdue_items_are_marked_and_filtered(client_for, demo_users, red_item):
    SupervisionItem.objects.filter(pk=red_item.pk).update(due_on=D(2024, 1, 1))
    c = client_for(demo_users["city_staff"])
    page = c.get(reverse("lights:supervision_list") + "?status=overdue")
    assert "榆次红灯项目" in page.text and "逾期" in page.text


def test_city_staff_open_an_item_by_hand(client_for, demo_users, reference_data):
    project = make_project(by=demo_users["yuci_staff"], name="人工督办项目")
    c = client_for(demo_users["city_staff"])
    response = c.post(
        reverse("lights:supervision_open", args=[project.pk]),
        {
            "due_on": "2027-01-31",
            "instruction": "请报告项目进展",
            "owner": demo_users["yuci_staff"].pk,
        },
    )
    assert response.status_code == 302
    item = SupervisionItem.objects.get(project=project)
    assert item.origin == "manual" and item.owner == demo_users["yuci_staff"]
    county = client_for(demo_users["yuci_staff"])
    assert county.get(reverse("lights:supervision_open", args=[project.pk])).status_code == 403


def test_the_city_closes_or_returns_but_never_answers_an_item(client_for, demo_users, red_item):
    """The county answers; city staff see no answer form, and a POST of one is refused (403)
    with the item still open."""
    clerk = client_for(demo_users["yuci_staff"])
    page = clerk.get(reverse("lights:supervision_detail", args=[red_item.pk]))
    assert 'data-testid="answer-form"' in page.content.decode()
    city = client_for(demo_users["city_staff"])
    page = city.get(reverse("lights:supervision_detail", args=[red_item.pk]))
    assert page.status_code == 200
    assert 'data-testid="answer-form"' not in page.content.decode()
    refused = city.post(
        reverse("lights:supervision_answer", args=[red_item.pk]), {"answer": "市里代为答复"}
    )
    assert refused.status_code == 403
    red_item.refresh_from_db()
    assert red_item.status == SupervisionItem.Status.OPEN
    assert red_item.answer == ""
