"""The pipeline board (/projects/board/): its columns are the list's totals for the same filters
(one FilterSet, one scoped queryset), it runs a fixed number of queries, it shows a county user
their own region only, and a card moves through the project page's own forms and services."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.template.loader import render_to_string

from projects.models import Project, Stage
from tests.factories import make_project

pytestmark = pytest.mark.django_db

COLUMN = re.compile(
    r'<section class="board-col[^"]*" data-stage="(\w+)".*?data-testid="col-count">([^<]*)<'
    r'.*?data-testid="col-amount"[^>]*>([^<]*)<',
    re.S,
)
FILTERS = [
    {},
    {"region": "140702"},
    {"q": "项目", "chain": "new_materials"},
    {"amount_min": "5000", "signed_from": "2021-01-01"},
    {"light": "red"},
]


def _columns(client, params) -> dict[str, tuple[str, str]]:
    response = client.get("/projects/board/", params)
    assert response.status_code == 200
    return {
        stage: (n.strip(), amount.strip())
        for stage, n, amount in COLUMN.findall(response.content.decode())
    }


def _list_totals(client, params) -> tuple[str, str]:
    body = client.get("/projects/", params).content.decode()
    count = re.search(r'data-testid="total-count">\s*([^<]*?)\s*<', body).group(1)
    amount = re.search(r'data-testid="total-amount">(?:<span[^>]*>)?([^<]*)<', body).group(1)
    return count, amount.strip()


@pytest.mark.parametrize("params", FILTERS)
def test_each_column_shows_the_list_totals_for_the_same_filters_and_its_stage(
    client, demo_data, demo_users, params
):
    client.force_login(demo_users["city_staff"])
    columns = _columns(client, params)
    assert list(columns) == [s.value for s in Stage if s != Stage.DROPPED] + ["dropped"]
    for stage, shown in columns.items():
        assert shown == _list_totals(client, {**params, "stage": stage}), (stage, params)


def test_columns_match_the_list_when_the_projects_exceed_the_count_cap(
    client, demo_data, demo_users, monkeypatch
):
    # Beyond COUNT_CAP a column's totals are capped as the list caps them ("3+", no sum), in the
    # same one query as below it (the test above).
    monkeypatch.setattr("core.pagination.COUNT_CAP", 3)
    client.force_login(demo_users["city_staff"])
    params = {"region": "140702"}
    columns = _columns(client, params)
    assert any(count.endswith("+") for count, _amount in columns.values())
    for stage, shown in columns.items():
        assert shown == _list_totals(client, {**params, "stage": stage}), stage


def test_column_sums_are_the_exact_planned_investment_of_their_projects(
    client, demo_data, demo_users
):
    # An oracle of its own: the database's sum over the region's projects, stage by stage.
    client.force_login(demo_users["city_staff"])
    columns = _columns(client, {"region": "140702"})
    for stage, (count, amount) in columns.items():
        rows = Project.objects.filter(region__code="140702", stage=stage)
        total = rows.aggregate(s=Sum("planned_investment"))["s"] or Decimal(0)
        assert count == f"{rows.count():,}"
        assert amount == f"{(total / 10000).quantize(Decimal('0.01')):,.2f}", stage


def test_the_board_runs_a_fixed_number_of_queries(
    client, demo_data, demo_users, django_assert_num_queries, monkeypatch
):
    client.force_login(demo_users["city_staff"])
    client.get("/projects/board/")
    # Session and user; the saved views; every column's totals in one; every column's page of
    # cards in one; the form's regions, chains, parks and methods; whatever the number of projects.
    with django_assert_num_queries(2 + 1 + 1 + 1 + 4):
        client.get("/projects/board/")
    # Filtered: the same (the region code is looked up inside the list's own queries).
    with django_assert_num_queries(2 + 1 + 1 + 1 + 4):
        client.get("/projects/board/?region=140702&light=red")
    # Beyond COUNT_CAP projects (columns capped): still one for every column's totals.
    monkeypatch.setattr("core.pagination.COUNT_CAP", 3)
    with django_assert_num_queries(2 + 1 + 1 + 1 + 4):
        body = client.get("/projects/board/").content.decode()
    assert 'data-testid="col-count">3+<' in body
    # A column's next page: session and user, the saved views, its cards.
    with django_assert_num_queries(2 + 1 + 1):
        client.get("/projects/board/column/", {"col": "lead", "offset": "1"})


def test_a_county_user_sees_their_region_only_confidential_included(
    client, reference_data, demo_users
):
    own = make_project(name="榆次保密洽谈", region_code="140702", is_confidential=True)
    other = make_project(name="太谷保密洽谈", region_code="140703", is_confidential=True)
    other_open = make_project(name="太谷公开洽谈", region_code="140703")
    client.force_login(demo_users["yuci_staff"])
    body = client.get("/projects/board/").content.decode()
    assert own.name in body
    assert other.name not in body and other_open.name not in body
    # Asking for the other county's region, or its column's next page, still shows nothing of it.
    body = client.get("/projects/board/", {"region": "140703"}).content.decode()
    assert other.name not in body and other_open.name not in body
    body = client.get("/projects/board/column/", {"col": "lead", "offset": "0"}).content.decode()
    assert own.name in body and other.name not in body


def test_a_column_shows_50_cards_then_more_pages_in_the_list_order(
    client, reference_data, demo_users
):
    for i in range(53):
        make_project(name=f"看板线索{i:02d}", registered_on=dt.date(2023, 1, 1) + dt.timedelta(i))
    client.force_login(demo_users["city_staff"])
    # (Filtered to them: the demo data of the tests above may still be loaded.)
    body = client.get("/projects/board/", {"q": "看板线索"}).content.decode()
    lead = body.split('data-stage="lead"', 1)[1].split("</section>", 1)[0]
    names = re.findall(r"看板线索\d\d", lead)
    assert names == [f"看板线索{i:02d}" for i in range(52, 2, -1)]  # newest registered first
    more = re.search(r'hx-get="([^"]+)"', lead).group(1).replace("&amp;", "&")
    assert "col=lead" in more and "offset=50" in more and "q=" in more
    rest = client.get(more).content.decode()
    assert re.findall(r"看板线索\d\d", rest) == ["看板线索02", "看板线索01", "看板线索00"]
    assert 'data-testid="board-more"' not in rest


HX = {"HX-Request": "true"}


@pytest.fixture
def talk(reference_data, demo_users):
    return make_project(
        name="洽谈中的项目",
        amount="20000",
        stage=Stage.NEGOTIATING,
        negotiating_on=dt.date(2023, 3, 1),
    )


def test_dragging_to_signed_opens_the_signing_form_and_signs_through_the_service(
    client, demo_users, talk
):
    client.force_login(demo_users["city_staff"])
    response = client.get(f"/projects/{talk.pk}/move/", {"to": "signed"}, headers=HX, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'name="signed_on"' in body and 'name="agreement_kind"' in body
    assert 'name="amount"' in body and "hx-post" in body

    before = _columns(client, {"q": "洽谈中的项目"})
    assert before["negotiating"] == ("1", "2.00") and before["signed"] == ("0", "0.00")
    response = client.post(
        f"/events/signings/new/{talk.pk}/",
        {"signed_on": "2023-06-01", "amount": "1.5亿", "agreement_kind": "formal"},
        headers=HX,
    )
    assert response.status_code == 204
    assert "projectMoved" in json.loads(response.headers["HX-Trigger"])
    talk.refresh_from_db()
    assert talk.stage == Stage.SIGNED and talk.signed_on == dt.date(2023, 6, 1)
    assert talk.signings.get().amount == Decimal("15000")
    after = _columns(client, {"q": "洽谈中的项目"})
    assert after["negotiating"] == ("0", "0.00") and after["signed"] == ("1", "2.00")


def test_a_refused_move_answers_the_dialog_with_the_message_and_changes_nothing(
    client, demo_users, talk
):
    client.force_login(demo_users["city_staff"])
    changes = talk.stage_changes.count()
    # Skipping 签约 (no signing date): the stage form, refused by the service.
    response = client.get(f"/projects/{talk.pk}/move/", {"to": "started"}, headers=HX)
    assert response.status_code == 200 and 'name="on"' in response.content.decode()
    response = client.post(
        f"/projects/{talk.pk}/stage/", {"to": "started", "on": "2023-07-01"}, headers=HX
    )
    assert response.status_code == 200
    assert "不能跳过“签约”" in response.content.decode()
    # Back to 线索 without a reason: the same form asks for one.
    body = client.get(f"/projects/{talk.pk}/move/", {"to": "lead"}, headers=HX).content.decode()
    assert re.search(r'name="reason"[^>]*required', body)
    response = client.post(
        f"/projects/{talk.pk}/stage/", {"to": "lead", "on": "2023-07-01"}, headers=HX
    )
    assert response.status_code == 200
    assert "项目阶段回退需填写原因" in response.content.decode()
    talk.refresh_from_db()
    assert talk.stage == Stage.NEGOTIATING and talk.stage_changes.count() == changes
    # With the reason it goes back, answered for the board (no page, an event).
    response = client.post(
        f"/projects/{talk.pk}/stage/",
        {"to": "lead", "on": "2023-07-01", "reason": "投资方暂缓"},
        headers=HX,
    )
    assert response.status_code == 204 and "projectMoved" in response.headers["HX-Trigger"]
    talk.refresh_from_db()
    assert talk.stage == Stage.LEAD


def test_a_dropped_project_dragged_back_needs_the_revival_reason(client, demo_users, talk):
    from projects import services

    services.project_advance_stage(
        project=talk, to=Stage.DROPPED, on=dt.date(2023, 5, 1), by=None, reason="投资方撤回"
    )
    client.force_login(demo_users["city_staff"])
    # Signing a dropped project is not offered: the stage form (revival) opens instead.
    body = client.get(f"/projects/{talk.pk}/move/", {"to": "signed"}, headers=HX).content.decode()
    assert 'name="on"' in body and 'name="agreement_kind"' not in body
    response = client.post(
        f"/projects/{talk.pk}/stage/", {"to": "negotiating", "on": "2023-06-01"}, headers=HX
    )
    assert response.status_code == 200 and "请填写恢复项目的原因" in response.content.decode()


def test_readers_and_other_counties_cannot_open_the_move_dialog(client, demo_users, talk):
    client.force_login(demo_users["leader"])
    assert client.get(f"/projects/{talk.pk}/move/", {"to": "signed"}).status_code == 403
    client.force_login(demo_users["taigu_staff"])  # the project is 榆次's
    assert client.get(f"/projects/{talk.pk}/move/", {"to": "signed"}).status_code == 404
    client.force_login(demo_users["city_staff"])
    assert client.get(f"/projects/{talk.pk}/move/", {"to": "negotiating"}).status_code == 400


def test_only_an_editor_s_cards_can_be_dragged_and_get_the_move_menu(client, demo_users, talk):
    # An editor's cards are draggable and the board holds the one "移动到…" menu board.js copies
    # into each of them; a reader's neither.
    # (Filtered to it: the demo data of the tests above may still be loaded.)
    client.force_login(demo_users["city_staff"])
    body = client.get("/projects/board/", {"q": talk.name}).content.decode()
    assert talk.name in body
    assert 'draggable="true"' in body and 'id="move-toggle"' in body and "移动到" in body
    assert body.count('data-testid="card-move"') == 1  # in the template, not written per card
    client.force_login(demo_users["leader"])
    body = client.get("/projects/board/", {"q": talk.name}).content.decode()
    assert talk.name in body
    assert 'draggable="true"' not in body and 'id="move-toggle"' not in body
    assert 'data-testid="card-move"' not in body


def test_a_card_shows_its_project_name_investor_region_owner_amount_and_light(
    client, reference_data, demo_users
):
    # Cards are read as values (projects.selectors._cards) and written from them: what a card
    # shows is checked here against the project itself.
    from lights.services import lights_refresh

    yuci = demo_users["yuci_staff"]
    shown = make_project(
        by=yuci,
        name="看板卡片项目",
        amount="12345.678",
        stage=Stage.SIGNED,
        signed_on=dt.date(2023, 2, 3),
        is_confidential=True,
    )
    unowned = make_project(name="看板无人项目", owner=None)
    lights_refresh()
    shown.refresh_from_db()
    assert shown.light == "red"
    client.force_login(demo_users["city_staff"])
    body = client.get("/projects/board/", {"q": "看板"}).content.decode()
    card = body.split(f'data-pk="{shown.pk}" data-stage="signed"', 1)[1].split("</article>")[0]
    assert f'href="/projects/{shown.pk}/">看板卡片项目</a>' in card
    assert f">{shown.investor.name}</div>" in card
    assert f'<span data-testid="card-owner">{yuci.display_name}</span>' in card
    assert "榆次区" in card and "保密" in card
    assert '"card-amount">12,345.68 万元<' in card
    assert 'data-light="red"' in card and shown.get_light_reason_display() in card
    card = body.split(f'data-pk="{unowned.pk}" data-stage="lead"', 1)[1].split("</article>")[0]
    assert "card-owner" not in card and "保密" not in card and "data-light" not in card


def test_a_card_writes_its_id_unlocalized_for_the_move_dialog(client, reference_data, demo_users):
    # USE_THOUSAND_SEPARATOR: a number written by the template is grouped ("12,345"); board.js
    # puts data-pk into the move dialog's URL.
    from projects.views import _cards_html

    card = {
        "pk": 12345,
        "name": "项目",
        "is_confidential": False,
        "stage": "lead",
        "planned_investment": Decimal("1"),
        "light": "",
        "light_reason": "",
        "light_since": None,
        "investor_name": "投资方",
        "region_name": "榆次区",
        "owner": "",
    }
    html = render_to_string(
        "projects/_board_cards.html", {"cards_html": _cards_html([card], can_edit=True)}
    )
    assert 'data-pk="12345"' in html and 'href="/projects/12345/"' in html


def test_a_cards_texts_are_escaped(client, reference_data, demo_users):
    # A card's HTML is written in Python (projects.views._cards_html), not by the template's
    # autoescaping: its name, investor, region and owner are escaped there.
    from projects.views import _cards_html

    card = {
        "pk": 7,
        "name": '<script>alert("名")</script>',
        "is_confidential": True,
        "stage": "lead",
        "planned_investment": Decimal("1"),
        "light": "red",
        "light_reason": "",
        "light_since": None,
        "investor_name": "A&B <b>",
        "region_name": "<i>区",
        "owner": '"张三"',
    }
    html = render_to_string(
        "projects/_board_cards.html", {"cards_html": _cards_html([card], can_edit=False)}
    )
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&quot;名&quot;)&lt;/script&gt;" in html
    assert 'title="A&amp;B &lt;b&gt;">A&amp;B &lt;b&gt;</div>' in html
    assert '<span data-testid="card-owner">&quot;张三&quot;</span>' in html
    assert 'data-light="red"' in html and "保密" in html and "draggable" not in html
