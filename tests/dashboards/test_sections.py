"""The dashboard sections beyond the rollup figures (top 10 projects, events and their signings,
chain indicators), the targets page, and the export of the new tables."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import User
from core.models import Region
from dashboards.forms import TargetRowForm
from dashboards.periods import parse_period
from dashboards.sections import recent_events, top_projects
from events.models import PromotionEvent, Signing
from projects.models import Project
from targets.models import Target

TAIYUAN = "“双招双引共话发展”晋中招商推介会"


@pytest.fixture
def demo(dashboard_demo, db):
    return None


def _user(name):
    return User.objects.get(username=name)


def _period(**params):
    return parse_period(params, default_year=2023)


def _html(response):
    return response.content.decode()


# --- top 10 ------------------------------------------------------------------------------------------
def test_top_10_lists_the_largest_projects_signed_in_the_period_largest_first(demo):
    period = _period(year="2023")
    data = top_projects(period=period, region=None, user=_user("city_staff"))
    items = data["items"]
    assert len(items) == 10
    amounts = [p["amount"] for p in items]
    assert amounts == sorted(amounts, reverse=True)
    expected = list(
        Project.objects.filter(signed_on__year=2023)
        .order_by("-planned_investment", "-id")
        .values_list("name", flat=True)[:10]
    )
    assert [p["name"] for p in items] == expected
    assert all(p["url"].startswith("/projects/") for p in items)
    assert "signed_from=2023-01-01" in data["list_url"] and "sort=-amount" in data["list_url"]


def test_top_10_leaves_out_deleted_and_other_periods(demo):
    biggest = Project.objects.filter(signed_on__year=2023).order_by("-planned_investment").first()
    Project.all_objects.filter(pk=biggest.pk).update(is_deleted=True)
    items = top_projects(period=_period(year="2023"), region=None, user=_user("leader"))["items"]
    assert biggest.name not in [p["name"] for p in items]
    march = top_projects(period=_period(year="2023", month="3"), region=None, user=_user("leader"))
    assert all(
        dt.date(2023, 3, 1) <= p["signed_on"] <= dt.date(2023, 3, 31) for p in march["items"]
    )


def test_county_official_sees_no_other_countys_confidential_project_name(demo, client):
    yuci = Region.objects.get(code="140702")
    foreign = (
        Project.objects.filter(signed_on__year=2023)
        .exclude(region=yuci)
        .order_by("-planned_investment")
        .first()
    )
    foreign.is_confidential = True
    foreign.save(update_fields=["is_confidential"])
    own = (
        Project.objects.filter(signed_on__year=2023, region=yuci)
        .order_by("-planned_investment")
        .first()
    )
    own.is_confidential = True
    own.save(update_fields=["is_confidential"])

    client.force_login(_user("yuci_official"))
    response = client.get("/dashboards/?year=2023")
    assert response.status_code == 200
    html = _html(response)
    table = html[html.index('data-testid="top-projects-table"') :]
    table = table[: table.index("</table>")]
    assert foreign.name not in table
    assert 'data-testid="masked-project"' in table
    assert f"/projects/{foreign.pk}/" not in table
    items = response.context["top_projects"]["items"]
    masked = next(p for p in items if p["amount"] == foreign.planned_investment)
    assert masked["url"] is None and masked["region"] == foreign.region.name
    if any(p["amount"] == own.planned_investment for p in items):
        assert own.name in table  # its own region's confidential project stays visible

    client.force_login(_user("leader"))
    assert foreign.name in _html(client.get("/dashboards/?year=2023"))


def test_county_dashboard_top_10_holds_only_that_county(demo):
    yuci = Region.objects.get(code="140702")
    items = top_projects(period=_period(year="2023"), region=yuci, user=_user("yuci_staff"))
    assert items["items"]
    assert {p["region"] for p in items["items"]} == {yuci.name}
    assert all(p["visible"] for p in items["items"])
    assert "region=140702" in items["list_url"]


# --- events ------------------------------------------------------------------------------------------
def test_the_2023_city_dashboard_shows_the_taiyuan_event_15_projects_346_8_yi(demo, client):
    client.force_login(_user("leader"))
    response = client.get("/dashboards/?year=2023")
    html = _html(response)
    events = response.context["recent_events"]
    taiyuan = next(e for e in events if e["title"] == TAIYUAN)
    assert taiyuan["projects"] == 15
    assert taiyuan["amount"] == Decimal("3468000")
    assert taiyuan["date"] == dt.date(2023, 2, 3)
    row = re.search(
        r'<tr data-testid="event-row">(?:(?!</tr>).)*?双招双引(?:(?!</tr>).)*</tr>', html, re.S
    )
    assert row, "the Taiyuan event row is on the page"
    assert ">15</a>" in row.group(0) and "346.80" in row.group(0)
    assert f"/events/{taiyuan['id']}/" in row.group(0)
    dates = [e["date"] for e in events]
    assert dates == sorted(dates, reverse=True)


def test_county_events_count_only_that_countys_signings(demo):
    period = _period(year="2023")
    city = {e["id"]: e for e in recent_events(period=period, region=None, user=None)}
    for region in Region.objects.exclude(code="140700"):
        for event in recent_events(period=period, region=region, user=None):
            assert event["projects"] <= city.get(event["id"], event)["projects"]


# --- chain indicators ----------------------------------------------------------------------------------
def test_city_dashboard_shows_chain_indicators_against_target(demo, client):
    client.force_login(_user("leader"))
    response = client.get("/dashboards/?year=2023")
    indicators = response.context["indicators"]
    assert indicators, "the demo has the methanol 11155 indicators"
    html = _html(response)
    block = html[html.index('data-testid="dashboard-indicators"') :]
    first = indicators[0]
    assert first["name"] in block and first["unit"] in block
    assert block.count('data-testid="indicator-row"') == len(indicators)
    assert '<progress class="progress-native' in block
    assert f'href="{first["url"]}"' in block
    # A county dashboard has no city-wide indicators section.
    county = client.get("/dashboards/140702/?year=2023")
    assert 'data-testid="dashboard-indicators"' not in _html(county)


# --- query count -------------------------------------------------------------------------------------
def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured.captured_queries


def test_dashboard_query_count_does_not_grow_with_data(demo, client):
    client.force_login(_user("yuci_official"))
    _queries(client, "/dashboards/?year=2023")  # a past year's 亮灯 tally is written on first read
    before = len(_queries(client, "/dashboards/?year=2023"))
    county_before = len(_queries(client, "/dashboards/140702/?year=2023"))

    template = Project.objects.filter(signed_on__year=2023).first()
    event = PromotionEvent.objects.get(title=TAIYUAN)
    copies = []
    for n in range(40):
        copy = Project.objects.get(pk=template.pk)
        copy.pk = copy.id = None
        copy.creation_token = None
        copy.name = f"新增项目{n}"
        copy.planned_investment = Decimal(900000 + n)
        copy.region = Region.objects.get(code="140702" if n % 2 else "140781")
        copy.is_confidential = n % 3 == 0
        copies.append(copy)
    Project.objects.bulk_create(copies)
    Signing.objects.bulk_create(
        Signing(event=event, project=p, signed_on=p.signed_on, amount=p.planned_investment)
        for p in copies
    )

    after = _queries(client, "/dashboards/?year=2023")
    assert len(after) == before
    assert len(_queries(client, "/dashboards/140702/?year=2023")) == county_before
    # The projects table is read only by the bounded top-10 walk and the 督办 panel's names of its
    # few items, by id.
    for query in after:
        if "projects_project" in query["sql"]:
            sql = query["sql"]
            assert "LIMIT 10" in sql or sql.startswith(SUPERVISION)


SUPERVISION = "SELECT i.id, i.region_id, i.due_on, (SELECT p.name FROM projects_project p "


# --- targets page ------------------------------------------------------------------------------------
def _post_data(year_rows, regions):
    data = {
        "t-TOTAL_FORMS": str(len(regions)),
        "t-INITIAL_FORMS": str(len(regions)),
        "t-MIN_NUM_FORMS": "0",
        "t-MAX_NUM_FORMS": "1000",
    }
    for i, region in enumerate(regions):
        values = year_rows.get(region.code, {})
        data[f"t-{i}-region"] = region.code
        for field in TargetRowForm.FIGURES:
            data[f"t-{i}-{field}"] = values.get(field, "")
    return data


def test_city_staff_set_targets_and_each_change_is_recorded(demo, client):
    regions = list(Region.objects.order_by("sort_order", "code"))
    client.force_login(_user("city_staff"))
    page = client.get("/dashboards/targets/?year=2031")
    assert page.status_code == 200
    assert 'data-testid="targets-form"' in _html(page)
    data = _post_data(
        {
            "140702": {
                "signed_count": "12",
                "signed_amount": "3.5亿",
                "new_start_amount": "20000",
                "funds_amount": "8000",
            },
            "140703": {"signed_count": "5", "signed_amount": "12000"},
        },
        regions,
    )
    response = client.post("/dashboards/targets/?year=2031", data)
    assert response.status_code == 302
    yuci = Target.objects.get(region__code="140702", year=2031)
    assert yuci.signed_count == 12
    assert yuci.signed_amount == Decimal("35000")
    assert yuci.history.count() == 1
    assert yuci.history.first().history_user == _user("city_staff")
    assert Target.objects.filter(year=2031).count() == 2

    data["t-0-signed_count"] = "1"  # the city's own row; nothing else changes
    assert client.post("/dashboards/targets/?year=2031", data).status_code == 302
    assert Target.objects.get(region__code="140702", year=2031).history.count() == 1
    assert Target.objects.filter(year=2031).count() == 3


def test_the_optional_assessment_measures_are_set_per_region_or_left_blank(demo, client):
    """省外, 外资 and completed investment: each optional per region (blank = no target)."""
    regions = list(Region.objects.order_by("sort_order", "code"))
    client.force_login(_user("city_staff"))
    page = _html(client.get("/dashboards/targets/?year=2034"))
    assert "省外" in page and "完成投资" in page
    data = _post_data(
        {
            "140702": {
                "signed_count": "10",
                "out_of_province_count": "4",
                "out_of_province_amount": "2亿",
                "completed_amount": "50000",
            },
            "140703": {"signed_count": "5", "foreign_count": "2", "foreign_amount": "3000"},
        },
        regions,
    )
    assert "外资签约项目数" in page
    assert client.post("/dashboards/targets/?year=2034", data).status_code == 302
    yuci = Target.objects.get(region__code="140702", year=2034)
    assert (yuci.out_of_province_count, yuci.out_of_province_amount) == (4, Decimal("20000"))
    assert (yuci.foreign_amount, yuci.completed_amount) == (None, Decimal("50000"))
    taigu = Target.objects.get(region__code="140703", year=2034)
    assert (taigu.out_of_province_count, taigu.foreign_amount) == (None, Decimal("3000"))
    assert (taigu.foreign_count, yuci.foreign_count) == (2, None)
    index = [r.code for r in regions].index("140702")
    data[f"t-{index}-out_of_province_amount"] = "-1"
    response = client.post("/dashboards/targets/?year=2034", data)
    assert response.status_code == 400 and "不能为负" in _html(response)
    assert Target.objects.get(region__code="140702", year=2034).completed_amount == Decimal("50000")
    page = _html(client.get("/dashboards/targets/?year=2034"))
    assert 'value="4"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("signed_amount", "-5", "不能为负"),
        ("signed_amount", "abc", "不是有效金额"),
        ("signed_count", "-1", "项目数不能为负数"),
        ("signed_count", "2.5", "项目数请填写整数"),
    ],
)
def test_bad_target_input_shows_a_chinese_error_and_saves_nothing(
    demo, client, field, value, message
):
    regions = list(Region.objects.order_by("sort_order", "code"))
    client.force_login(_user("city_staff"))
    data = _post_data(
        {"140702": {"signed_count": "3"}, "140703": {field: value}},
        regions,
    )
    response = client.post("/dashboards/targets/?year=2032", data)
    assert response.status_code == 400
    html = _html(response)
    assert message in html
    assert "未保存任何内容" in html
    assert not Target.objects.filter(year=2032).exists()


def test_only_city_staff_edit_targets_others_read_them(demo, client):
    Target.objects.create(region=Region.objects.get(code="140702"), year=2033, signed_count=7)
    regions = list(Region.objects.order_by("sort_order", "code"))
    data = _post_data({"140702": {"signed_count": "99"}}, regions)
    for name in ("yuci_official", "yuci_staff", "leader"):
        client.force_login(_user(name))
        page = client.get("/dashboards/targets/?year=2033")
        assert page.status_code == 200
        assert 'data-testid="targets-form"' not in _html(page)
        assert 'data-testid="targets-readonly"' in _html(page)
        assert client.post("/dashboards/targets/?year=2033", data).status_code == 403
    assert Target.objects.get(year=2033).signed_count == 7
    client.logout()
    assert client.get("/dashboards/targets/").status_code == 302


def test_dashboard_links_the_targets_page_for_those_who_may_edit(demo, client):
    client.force_login(_user("city_staff"))
    assert 'data-testid="edit-targets"' in _html(client.get("/dashboards/?year=2023"))
    client.force_login(_user("yuci_official"))
    assert 'data-testid="edit-targets"' not in _html(client.get("/dashboards/?year=2023"))


# --- export ------------------------------------------------------------------------------------------
def test_export_has_top_projects_events_and_indicators_sheets(demo, client):
    client.force_login(_user("leader"))
    response = client.get("/dashboards/export.xlsx?year=2023")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 10
    top, events, indicators = book.worksheets[7:10]
    top_rows = list(top.iter_rows(min_row=2, values_only=True))
    assert len(top_rows) == 10 and top_rows[0][0] == 1
    event_rows = {r[1]: r for r in events.iter_rows(min_row=2, values_only=True)}
    assert event_rows[TAIYUAN][3] == 15
    assert Decimal(str(event_rows[TAIYUAN][4])) == Decimal("3468000")
    assert indicators.max_row > 1
    # A county official's export masks other counties' projects as the page does.
    client.force_login(_user("yuci_official"))
    book = load_workbook(io.BytesIO(client.get("/dashboards/export.xlsx?year=2023").content))
    names = [r[1] for r in book.worksheets[7].iter_rows(min_row=2, values_only=True)]
    regions = [r[2] for r in book.worksheets[7].iter_rows(min_row=2, values_only=True)]
    for name, region in zip(names, regions, strict=True):
        if region != "榆次区":
            assert not Project.objects.filter(name=name).exists()
