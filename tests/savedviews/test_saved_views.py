"""Saved views: saving a list's filters and sort, who sees a view (owner, region, city), the
person's default, a view whose filters no longer hold, and `?view=` on the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from core.models import IndustryChain
from projects.models import Stage
from savedviews.models import SavedView
from savedviews.services import default_view_set, saved_view_create
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(body: str) -> list[str]:
    return re.findall(r'data-testid="row-name"><a href="/projects/\d+/">([^<]+)</a>', body)


def _tabs(body: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>.*", "", t).strip()
        for t in re.findall(r'data-testid="view-tab"[^>]*>(.*?)</a>', body)
    ]


@pytest.fixture
def projects(demo_users):
    signed = make_project(
        name="视图签约大项目", stage=Stage.SIGNED, amount="90000", signed_on=dt.date(2023, 2, 3)
    )
    make_project(
        name="视图签约小项目", stage=Stage.SIGNED, amount="500", signed_on=dt.date(2023, 3, 1)
    )
    make_project(name="视图线索项目", amount="7000")
    make_project(
        name="太谷签约项目",
        stage=Stage.SIGNED,
        region_code="140703",
        amount="3000",
        signed_on=dt.date(2023, 3, 5),
    )
    return signed


def test_a_clerk_saves_the_filters_and_sort_in_force_and_opens_them_from_a_tab(
    demo_users, projects
):
    clerk = _client(demo_users["yuci_staff"])
    body = clerk.get("/projects/?stage=signed&sort=amount&page=1").content.decode()
    # The save form carries the filters and the sort in force, without the page.
    assert 'name="query" value="sort=amount&amp;stage=signed"' in body
    response = clerk.post(
        "/views/save/",
        {
            "list_name": "projects",
            "query": "sort=amount&stage=signed&page=3",
            "name": "签约从小到大",
            "sharing": "region",
        },
    )
    view = SavedView.objects.get(name="签约从小到大")
    assert view.query == "sort=amount&stage=signed"
    assert view.region.code == "140702"
    assert response.status_code == 302 and response["Location"].endswith(f"?view={view.pk}")
    body = clerk.get(response["Location"]).content.decode()
    assert _tabs(body) == ["签约从小到大"]
    assert _names(body) == ["视图签约小项目", "视图签约大项目"]
    # Its export links carry the view's filters (the export endpoint knows no saved views).
    assert "?sort=amount&amp;stage=signed&amp;format=xlsx" in body
    # A sort header clicked inside the view keeps the view and reverses the sort.
    assert f'href="?sort=-amount&amp;view={view.pk}"' in body
    body = clerk.get(f"/projects/?sort=-amount&view={view.pk}").content.decode()
    assert _names(body) == ["视图签约大项目", "视图签约小项目"]
    # The same name twice is refused in Chinese, and nothing is saved.
    response = clerk.post(
        "/views/save/",
        {"list_name": "projects", "query": "", "name": "签约从小到大", "sharing": "private"},
        follow=True,
    )
    assert "此列表中已有同名视图" in response.content.decode()
    assert SavedView.objects.filter(name="签约从小到大").count() == 1


def test_who_sees_a_view_private_region_or_city(demo_users, projects):
    yuci, taigu = demo_users["yuci_staff"], demo_users["taigu_staff"]
    mine = saved_view_create(by=yuci, list_name="projects", name="我的私人", query="stage=lead")
    region = saved_view_create(
        by=yuci, list_name="projects", name="榆次共享", query="stage=signed", sharing="region"
    )
    city = saved_view_create(
        by=demo_users["city_staff"],
        list_name="projects",
        name="全市大项目",
        query="amount_min=5000",
        sharing="city",
    )
    seen = {
        user: _tabs(_client(demo_users[user]).get("/projects/?view=0").content.decode())
        for user in ("yuci_staff", "yuci_official", "taigu_staff", "city_staff")
    }
    assert seen == {
        "yuci_staff": ["全市大项目", "我的私人", "榆次共享"],
        "yuci_official": ["全市大项目", "榆次共享"],  # same region: the shared one, not the private
        "taigu_staff": ["全市大项目"],
        "city_staff": ["全市大项目"],
    }
    # Opening a view one may not see: the plain list, with a notice — never its filters.
    body = _client(taigu).get(f"/projects/?view={mine.pk}").content.decode()
    assert "该视图不存在或未共享给您" in body
    # A colleague opens the region's view: the filters apply under their own scoping.
    body = _client(demo_users["yuci_official"]).get(f"/projects/?view={region.pk}").content.decode()
    assert sorted(_names(body)) == ["视图签约大项目", "视图签约小项目"]
    # A city-wide view opened by 太谷 shows 太谷's rows only.
    body = _client(taigu).get(f"/projects/?view={city.pk}").content.decode()
    assert _names(body) == []
    body = _client(taigu).get("/projects/?view=0&amount_min=1000").content.decode()
    assert _names(body) == ["太谷签约项目"]
    # Only the owner changes or deletes a view; a colleague who sees it gets 403.
    official = _client(demo_users["yuci_official"])
    assert official.get(f"/views/{region.pk}/delete/").status_code == 403
    assert (
        official.post(f"/views/{region.pk}/edit/", {"name": "x", "sharing": "city"}).status_code
        == 403
    )
    assert _client(taigu).post(f"/views/{region.pk}/delete/").status_code == 404
    # Made private again, it leaves the colleague's tabs.
    _client(yuci).post(f"/views/{region.pk}/edit/", {"name": "榆次共享", "sharing": "private"})
    assert _tabs(official.get("/projects/?view=0").content.decode()) == ["全市大项目"]


def test_a_city_user_without_a_region_cannot_share_with_a_region(demo_users):
    client = _client(demo_users["city_staff"])
    body = client.get("/projects/").content.decode()
    assert 'value="region"' not in body.split('id="save-view"')[1].split("</form>")[0]
    response = client.post(
        "/views/save/",
        {"list_name": "projects", "query": "stage=lead", "name": "无地区", "sharing": "region"},
        follow=True,
    )
    assert not SavedView.objects.filter(name="无地区").exists()
    assert "共享范围" in response.content.decode()


def test_the_default_view_opens_a_plain_list_and_view_0_opens_it_without(demo_users, projects):
    clerk = _client(demo_users["yuci_staff"])
    view = saved_view_create(
        by=demo_users["yuci_staff"],
        list_name="projects",
        name="线索",
        query="stage=lead",
        make_default=True,
    )
    response = clerk.get("/projects/")
    assert response.status_code == 302 and response["Location"] == f"/projects/?view={view.pk}"
    body = clerk.get(response["Location"]).content.decode()
    assert _names(body) == ["视图线索项目"] and "★" in body
    # Filters submitted from the form, or the 全部 tab, are not overridden by the default.
    assert clerk.get("/projects/?q=&stage=").status_code == 200
    assert len(_names(clerk.get("/projects/?view=0").content.decode())) == 3
    # A colleague's shared view can be one's own default; the API never applies defaults.
    shared = saved_view_create(
        by=demo_users["yuci_staff"],
        list_name="projects",
        name="签约",
        query="stage=signed",
        sharing="region",
    )
    official = _client(demo_users["yuci_official"])
    official.post(f"/views/{shared.pk}/default/", {"action": "set"})
    assert official.get("/projects/")["Location"] == f"/projects/?view={shared.pk}"
    official.post(f"/views/{shared.pk}/default/", {"action": "unset"})
    assert official.get("/projects/").status_code == 200


def test_a_view_whose_chain_was_deleted_opens_with_a_notice_and_its_other_filters(
    demo_users, projects
):
    chain = IndustryChain.objects.create(code="gone-chain", name="将删除的产业链", sort_order=99)
    view = saved_view_create(
        by=demo_users["yuci_staff"],
        list_name="projects",
        name="旧产业链",
        query=f"chain={chain.code}&stage=signed&sort=-amount",
    )
    chain.delete()
    response = _client(demo_users["yuci_staff"]).get(f"/projects/?view={view.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "视图“旧产业链”中的部分筛选条件已失效" in body and "产业链" in body
    # The rest of the view still applies: signed, largest first.
    assert _names(body) == ["视图签约大项目", "视图签约小项目"]
    # The same on the API is a 400 naming the filter, not a 500.
    response = _client(demo_users["yuci_staff"]).get(f"/api/v1/projects/?view={view.pk}")
    assert response.status_code == 400 and "chain" in response.content.decode()


def test_the_api_applies_a_view_under_the_same_scoping(demo_users, projects):
    yuci = demo_users["yuci_staff"]
    view = saved_view_create(
        by=yuci, list_name="projects", name="签约", query="stage=signed&sort=-amount"
    )
    names = [
        r["name"] for r in _client(yuci).get(f"/api/v1/projects/?view={view.pk}").json()["results"]
    ]
    assert names == ["视图签约大项目", "视图签约小项目"]
    # Another person's private view is not found; a page size still applies over the view.
    assert (
        _client(demo_users["taigu_staff"]).get(f"/api/v1/projects/?view={view.pk}").status_code
        == 404
    )
    rows = _client(yuci).get(f"/api/v1/projects/?view={view.pk}&page_size=1").json()["results"]
    assert [r["name"] for r in rows] == ["视图签约大项目"]
    # A view of another list is not a projects view.
    events_view = saved_view_create(by=yuci, list_name="events", name="活动", query="")
    assert _client(yuci).get(f"/api/v1/projects/?view={events_view.pk}").status_code == 404
    # Shared with the city: the 太谷 API caller gets 太谷's signed projects only.
    city = saved_view_create(
        by=demo_users["city_staff"],
        list_name="projects",
        name="全市签约",
        query="stage=signed",
        sharing="city",
    )
    rows = _client(demo_users["taigu_staff"]).get(f"/api/v1/projects/?view={city.pk}").json()
    assert [r["name"] for r in rows["results"]] == ["太谷签约项目"]


def test_enterprise_and_event_lists_save_and_open_views(demo_users):
    clerk = _client(demo_users["yuci_staff"])
    for list_name, url in (("enterprises", "/enterprises/"), ("events", "/events/")):
        response = clerk.post(
            "/views/save/",
            {
                "list_name": list_name,
                "query": "region=140702",
                "name": "本区",
                "sharing": "private",
            },
        )
        view = SavedView.objects.get(list_name=list_name)
        assert response["Location"] == f"{url}?view={view.pk}"
        body = clerk.get(response["Location"]).content.decode()
        assert _tabs(body) == ["本区"], list_name
        assert 'value="140702" selected' in body, list_name
    default_view_set(user=demo_users["yuci_staff"], list_name="events", view=view)
    assert clerk.get("/events/")["Location"] == f"/events/?view={view.pk}"


def test_the_board_saves_and_opens_a_view_its_more_pages_included(demo_users, projects):
    clerk = _client(demo_users["city_staff"])
    response = clerk.post(
        "/views/save/",
        {"list_name": "board", "query": "region=140703", "name": "太谷看板", "sharing": "private"},
    )
    view = SavedView.objects.get(list_name="board")
    assert response["Location"] == f"/projects/board/?view={view.pk}"
    body = clerk.get(response["Location"]).content.decode()
    assert _tabs(body) == ["太谷看板"]
    assert "太谷签约项目" in body and "视图签约大项目" not in body
    # Its filter form shows the view's region; the link to the list carries the filters, not the
    # board's view.
    assert 'value="140703" selected' in body
    assert 'href="/projects/?view=0&amp;region=140703"' in body
    # A column's next page (the "more" button keeps ?view=) reads under the view's filters.
    more = clerk.get("/projects/board/column/", {"view": view.pk, "col": "signed", "offset": 0})
    assert "太谷签约项目" in more.content.decode()
    assert "视图签约大项目" not in more.content.decode()
    # The project list does not offer the board's views.
    assert _tabs(clerk.get("/projects/?view=0").content.decode()) == []


def test_deleting_a_view_asks_first(demo_users):
    clerk = _client(demo_users["yuci_staff"])
    view = saved_view_create(
        by=demo_users["yuci_staff"], list_name="projects", name="待删除", query=""
    )
    body = clerk.get(f"/views/{view.pk}/delete/").content.decode()
    assert "确定删除视图“待删除”吗" in body
    assert SavedView.objects.filter(pk=view.pk).exists()
    response = clerk.post(f"/views/{view.pk}/delete/")
    assert response.status_code == 302 and not SavedView.objects.filter(pk=view.pk).exists()
