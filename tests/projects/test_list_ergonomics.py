"""/projects/: sortable column headers with the sort shown, the order in words, and a row's quick
actions (follow-up, stage) answered in place for htmx through the same services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from projects.models import FollowUp, Stage
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(body: str) -> list[str]:
    return re.findall(r'data-testid="row-name"><a href="/projects/\d+/">([^<]+)</a>', body)


def _header(body: str, key: str) -> str:
    return re.search(
        rf'<th [^>]*aria-sort="(\w+)"><a href="([^"]+)"[^>]*data-sort="{key}"', body
    ).groups()


@pytest.fixture
def three(demo_users):
    make_project(name="排序甲", amount="300", registered_on=dt.date(2023, 1, 1))
    make_project(
        name="排序乙",
        amount="100",
        stage=Stage.SIGNED,
        signed_on=dt.date(2023, 2, 1),
        registered_on=dt.date(2023, 1, 3),
    )
    make_project(
        name="排序丙",
        amount="200",
        stage=Stage.SIGNED,
        signed_on=dt.date(2023, 3, 1),
        registered_on=dt.date(2023, 1, 2),
    )


def test_headers_sort_reverse_and_show_the_sort_in_force(demo_users, three):
    client = _client(demo_users["city_staff"])
    body = client.get("/projects/").content.decode()
    # The default order, in words and on its header.
    assert "按登记日期(最新在前)" in body
    assert _names(body) == ["排序乙", "排序丙", "排序甲"]
    assert _header(body, "registered") == ("descending", "?sort=registered")
    assert _header(body, "amount") == ("none", "?sort=-amount")  # money: largest first
    assert _header(body, "name") == ("none", "?sort=name")

    body = client.get("/projects/?sort=-amount").content.decode()
    assert _names(body) == ["排序甲", "排序丙", "排序乙"]
    assert _header(body, "amount") == ("descending", "?sort=amount")
    assert "计划投资(降序)" in body and "恢复默认排序" in body
    body = client.get("/projects/?sort=amount").content.decode()
    assert _names(body) == ["排序乙", "排序丙", "排序甲"]
    assert _header(body, "amount") == ("ascending", "?sort=-amount")
    assert '<span class="sort-arrow" aria-hidden="true">↑</span>' in body

    # Filters stay when a header is clicked; pages restart.
    body = client.get("/projects/?stage=signed&page=1&sort=-signed").content.decode()
    assert _header(body, "signed") == ("descending", "?sort=signed&amp;stage=signed")
    assert _names(body) == ["排序丙", "排序乙"]
    # Projects not signed yet go last whichever way the signing date is sorted.
    for sort in ("signed", "-signed"):
        assert _names(client.get(f"/projects/?sort={sort}").content.decode())[-1] == "排序甲"


def test_quick_follow_up_is_recorded_in_place_through_the_service(demo_users, three):
    project = make_project(name="快捷跟进项目", registered_on=dt.date(2023, 1, 1))
    client = _client(demo_users["yuci_staff"])
    url = f"/projects/{project.pk}/quick/follow-up/"
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<tbody class="project-row"')
    assert 'data-testid="quick-followup-form"' in body
    # Refused input comes back in the row with its message; nothing is saved.
    response = client.post(url, {"kind": "call", "happened_on": "2023-02-30", "summary": ""})
    assert response.status_code == 200
    assert 'data-testid="quick-followup-form"' in response.content.decode()
    assert not FollowUp.objects.filter(project=project).exists()
    response = client.post(
        url, {"kind": "call", "happened_on": "2023-02-03", "summary": "电话沟通选址"}
    )
    body = response.content.decode()
    assert 'data-testid="quick-done"' in body and "快捷跟进项目" in body
    assert FollowUp.objects.get(project=project).summary == "电话沟通选址"
    # A county official reads the list but may not write: no buttons, and the form is refused.
    official = _client(demo_users["yuci_official"])
    assert 'data-testid="quick-followup"' not in official.get("/projects/").content.decode()
    assert official.get(url).status_code == 403


def test_quick_stage_change_goes_through_the_pipeline_rules(demo_users):
    project = make_project(name="快捷阶段项目", registered_on=dt.date(2023, 1, 1))
    client = _client(demo_users["city_staff"])
    url = f"/projects/{project.pk}/quick/stage/"
    body = client.get(url).content.decode()
    # Signing needs its amount and agreement: offered as the signing form's link, not here.
    assert '<option value="negotiating"' in body and '<option value="signed"' not in body
    response = client.post(url, {"to": "negotiating", "on": "2023-01-10", "reason": ""})
    assert 'data-testid="quick-done"' in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING
    # Moving back without a reason is refused with the service's message; nothing changes.
    response = client.post(url, {"to": "lead", "on": "2023-01-11", "reason": ""})
    body = response.content.decode()
    assert 'data-testid="quick-stage-form"' in body and "原因" in body
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


def test_a_row_of_a_five_digit_id_is_its_quick_actions_target(demo_users):
    # The row's element id and its buttons' htmx target carry the id as digits: "12,345" (the
    # localized number) made `#project-row-12,345`, a selector that finds no row.
    project = make_project(name="四位以下编号项目", registered_on=dt.date(2023, 1, 1))
    project.id, project.name = 12345, "五位编号项目"  # a copy of it, under a five-digit id
    project.save(force_insert=True)
    client = _client(demo_users["city_staff"])
    for body in (
        client.get("/projects/").content.decode(),
        client.get("/projects/12345/quick/row/", HTTP_HX_REQUEST="true").content.decode(),
    ):
        assert 'id="project-row-12345"' in body
        assert body.count('hx-target="#project-row-12345"') == 2
        assert 'href="/projects/12345/"' in body
        assert 'hx-get="/projects/12345/quick/follow-up/"' in body
