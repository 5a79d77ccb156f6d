"""Where lights show: the project list (chip, ?light=), the project page, the API, exports and the
dashboards' "超时限未开工 N / 预警 M" card and ranking column."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services as account_services
from lights import services
from projects.models import Stage
from tests.factories import make_project

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def lit(reference_data, demo_users):
    """榆次区: one red (signed 2023, not started), one yellow, one green project; 太谷区: one red."""
    by = demo_users["yuci_staff"]
    today = dt.date.today()
    red = make_project(by=by, stage=Stage.SIGNED, signed_on=D(2023, 2, 3), name="亮灯红项目")
    yellow = make_project(
        by=by,
        stage=Stage.SIGNED,
        registered_on=today - dt.timedelta(days=200),
        signed_on=today - dt.timedelta(days=160),
        name="亮灯黄项目",
    )
    green = make_project(by=by, name="亮灯绿项目", registered_on=today)
    other = make_project(
        by=demo_users["taigu_staff"],
        region_code="140703",
        stage=Stage.SIGNED,
        signed_on=D(2023, 3, 1),
        name="太谷红项目",
    )
    services.lights_refresh()
    return {"red": red, "yellow": yellow, "green": green, "other": other}


def test_list_filters_by_light_and_shows_the_chip(client, demo_users, lit):
    client.force_login(demo_users["yuci_staff"])
    page = client.get(reverse("projects:list") + "?light=red").text
    assert "亮灯红项目" in page and "亮灯黄项目" not in page and "太谷红项目" not in page
    assert 'data-light="red"' in page
    page = client.get(reverse("projects:list") + "?light=yellow").text
    assert "亮灯黄项目" in page and "亮灯红项目" not in page


def test_project_page_shows_light_reason_and_since(client, demo_users, lit):
    client.force_login(demo_users["yuci_staff"])
    page = client.get(reverse("projects:detail", args=[lit["red"].pk])).text
    assert "红灯" in page and "2023-08-02" in page and "超过阶段时限" in page


def test_api_gives_light_fields_and_filters_by_light(demo_users, lit):
    _token, plain = account_services.api_token_create(
        user=demo_users["yuci_official"], by=demo_users["yuci_official"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    rows = api.get("/api/v1/projects/?light=red").json()["results"]
    assert [r["name"] for r in rows] == ["亮灯红项目"]
    assert (rows[0]["light"], rows[0]["light_reason"], rows[0]["light_since"]) == (
        "red",
        "over_limit",
        "2023-08-02",
    )
    detail = api.get(f"/api/v1/projects/{lit['yellow'].pk}/").json()
    assert detail["light"] == "yellow" and detail["light_reason"] == "near_limit"


def test_export_has_the_light_columns(client, demo_users, lit):
    client.force_login(demo_users["city_staff"])
    response = client.get(reverse("imports:export", args=["projects"]) + "?light=red&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert {"亮灯", "亮灯原因", "亮灯日期"} <= set(header)
    lights = {row[header.index("亮灯")] for row in rows[1:]}
    assert lights == {"红灯"}


def test_dashboard_card_counts_per_region_and_links_to_the_same_list(client, demo_users, lit):
    client.force_login(demo_users["city_staff"])
    page = client.get(reverse("dashboards:city")).text
    assert 'data-testid="light-cards"' in page
    link = reverse("projects:list") + "?light=red&amp;stage=signed&amp;region=140702"
    assert link in page
    listed = client.get(reverse("projects:list") + "?light=red&stage=signed&region=140702").text
    assert "亮灯红项目" in listed and "亮灯黄项目" not in listed
    assert 'data-testid="ranking-light-red"' in page


def test_county_official_sees_counts_of_all_regions_but_lists_only_their_own(
    client, demo_users, lit
):
    client.force_login(demo_users["yuci_official"])
    page = client.get(reverse("dashboards:county", args=["140702"])).text
    assert "?light=red&amp;stage=signed&amp;region=140702" in page
    city = client.get(reverse("dashboards:city")).text
    assert "?light=red&amp;stage=signed&amp;region=140703" not in city  # locked: aggregate only
