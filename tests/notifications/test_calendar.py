"""/calendar/: a person's next steps and 督办 due dates in a month grid, and the iCalendar feed at a
token URL showing the same (and nothing of another county)."""

import datetime as dt

import pytest
from django.urls import reverse

from lights import services as light_services
from notifications.selectors import personal_settings
from projects import services as project_services
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(reference_data, demo_users):
    today = dt.date.today()
    yuci = make_project(by=demo_users["yuci_staff"], name="日历榆次项目")
    project_services.followup_record(
        project=yuci,
        by=demo_users["yuci_staff"],
        kind="visit",
        happened_on=today,
        summary="拜访",
        next_step="报送可研报告",
        next_due_on=today.replace(day=20) if today.day < 20 else today,
    )
    taigu = make_project(by=demo_users["taigu_staff"], region_code="140703", name="日历太谷项目")
    for project in (yuci, taigu):
        light_services.supervision_open(
            project=project, by=demo_users["city_staff"], due_on=today, instruction="请报进展"
        )
    return today


def test_month_grid_shows_my_next_steps_and_supervision_due(client, demo_users, planned):
    client.force_login(demo_users["yuci_staff"])
    page = client.get(reverse("notifications:calendar")).text
    assert "报送可研报告" in page and "日历榆次项目" in page
    assert "日历太谷项目" not in page


def test_ical_feed_by_token_shows_the_same_and_no_other_county(client, demo_users, planned):
    token = personal_settings(demo_users["yuci_staff"], create=True).calendar_token
    response = client.get(reverse("notifications:ical", args=[token]))  # no login: a calendar app
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body
    unfolded = body.replace("\r\n ", "")
    assert "报送可研报告" in unfolded and "日历榆次项目" in unfolded
    assert "日历太谷项目" not in unfolded
    assert client.get(reverse("notifications:ical", args=["wrong-token"])).status_code == 404
