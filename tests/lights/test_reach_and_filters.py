"""Issue 20, the parts the other tests left unasserted: a chain-narrowed rule, /supervision/ by
region and age, the city dashboard's 督办 panel, an overdue item reaching the county official,
the digest's due next steps and new 首报首谈 conflicts, events on the calendar, and the schedule
and mail backend `make run` works with."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import IndustryChain, Region
from lights import services
from lights.models import LightRule, SupervisionItem
from notifications import services as notification_services
from notifications.models import Kind
from notifications.selectors import notices
from projects import services as project_services
from projects.models import Project, Stage
from tests.factories import make_enterprise, make_project

pytestmark = pytest.mark.django_db
D = dt.date
ROOT = Path(__file__).resolve().parents[2]


def _light(project) -> str:
    return Project.all_objects.get(pk=project.pk).light


def test_a_chain_rule_judges_only_that_chains_projects(reference_data, demo_users):
    chain, other = IndustryChain.objects.order_by("pk")[:2]
    by = demo_users["yuci_staff"]
    inside = make_project(by=by, stage=Stage.SIGNED, signed_on=D(2023, 2, 3), chain=chain)
    outside = make_project(by=by, stage=Stage.SIGNED, signed_on=D(2023, 2, 3), chain=other)
    services.lights_refresh(as_of=D(2023, 8, 2))
    assert (_light(inside), _light(outside)) == ("red", "red")  # the default: 180 days
    services.rule_create(
        by=demo_users["city_staff"],
        from_stage="signed",
        yellow_days=300,
        red_days=400,
        chain=chain,
        as_of=D(2023, 8, 2),
    )
    assert (_light(inside), _light(outside)) == ("green", "red")


@pytest.fixture
def items(reference_data, demo_users):
    """A 榆次区 item opened 40 days ago and a 太谷区 item opened today."""
    old = make_project(by=demo_users["yuci_staff"], name="榆次老督办项目")
    new = make_project(by=demo_users["taigu_staff"], region_code="140703", name="太谷新督办项目")
    today = timezone.localdate()
    found = {}
    for key, project in (("old", old), ("new", new)):
        found[key] = services.supervision_open(
            project=project, by=demo_users["city_staff"], due_on=today, instruction="请报进展"
        )
    SupervisionItem.objects.filter(pk=found["old"].pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )
    return found


def test_supervision_list_filters_by_region_and_age(client, demo_users, items):
    client.force_login(demo_users["city_staff"])
    url = reverse("lights:supervision_list")
    both = client.get(url).text
    assert "榆次老督办项目" in both and "太谷新督办项目" in both
    taigu = client.get(url + "?region=140703").text
    assert "太谷新督办项目" in taigu and "榆次老督办项目" not in taigu
    old = client.get(url + "?age=30").text
    assert "榆次老督办项目" in old and "太谷新督办项目" not in old


def test_city_dashboard_panel_shows_overdue_items_and_links_to_them(client, demo_users, items):
    SupervisionItem.objects.filter(pk=items["old"].pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    client.force_login(demo_users["city_staff"])
    page = client.get(reverse("dashboards:city")).text
    panel = page.split('data-testid="supervision-panel"', 1)[1].split(
        'data-testid="county-ranking"'
    )[0]
    assert "榆次老督办项目" in panel and "逾期" in panel and "太谷新督办项目" not in panel
    assert reverse("lights:supervision_list") + "?status=overdue" in panel


def test_an_overdue_item_reaches_the_county_official_and_no_other_county(demo_users, items):
    SupervisionItem.objects.filter(pk=items["old"].pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    since = timezone.now() - dt.timedelta(days=1)
    from django.utils import translation

    with translation.override("zh-hans"):
        official = notices(user=demo_users["yuci_official"], since=since)[Kind.SUPERVISION]
        other = notices(user=demo_users["taigu_staff"], since=since)[Kind.SUPERVISION]
    assert any("榆次老督办项目" in n.text and "逾期" in n.text for n in official)
    assert not any("榆次老督办项目" in n.text for n in other)


def test_the_digest_carries_due_next_steps_and_new_first_report_conflicts(
    reference_data, demo_users, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff = demo_users["yuci_staff"]
    staff.email = "yuci_staff@example.gov.cn"
    staff.save(update_fields=["email"])
    today = timezone.localdate()
    project = make_project(by=staff, name="榆次下一步项目")
    project_services.followup_record(
        project=project,
        by=staff,
        kind="visit",
        happened_on=today,
        summary="拜访",
        next_step="报送可研报告",
        next_due_on=today + dt.timedelta(days=2),
    )
    investor = make_enterprise("晋商冲突测试集团有限公司")
    make_project(by=staff, name="榆次先报冲突项目", investor=investor)
    make_project(
        by=demo_users["taigu_staff"],
        region_code="140703",
        name="太谷后报冲突项目",
        investor=investor,
    )
    mail.outbox.clear()
    notification_services.digests_write()
    notification_services.deliveries_send()
    body = next(m.body for m in mail.outbox if m.to == ["yuci_staff@example.gov.cn"])
    assert "报送可研报告" in body and "榆次下一步项目" in body
    assert "晋商冲突测试集团有限公司" in body


def test_the_calendar_shows_promotion_events(client, demo_users, reference_data):
    from demo.events_demo import load_event_kinds
    from events import services as event_services
    from events.models import EventKind

    load_event_kinds()
    today = timezone.localdate()
    event_services.event_create(
        by=None,
        kind=EventKind.objects.get(code="conference"),
        title="晋中日历推介会",
        start_on=today,
        place_city="太原市",
        organisers=[Region.objects.get(code="140700")],
    )
    client.force_login(demo_users["yuci_staff"])
    assert "晋中日历推介会" in client.get(reverse("notifications:calendar")).text


def test_beat_runs_the_lights_nightly_and_the_digest_daily():
    from jinzhong_crm.celery import app

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    tasks = {entry["task"] for entry in schedule.values()}
    assert {
        "lights.tasks.refresh_lights",
        "notifications.tasks.send_daily_digests",
        "notifications.tasks.send_pending_deliveries",
    } <= tasks
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_make_run_writes_mail_to_the_console():
    """`make run` sets no EMAIL_URL: the settings then pick Django's console backend."""
    assert "EMAIL_URL" not in (ROOT / "Makefile").read_text()
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.EMAIL_BACKEND)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "jinzhong_crm.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_a_busy_calendar_day_shows_three_entries_and_how_many_more(
    client, demo_users, reference_data
):
    """61 items due the same day made one cell several screens tall: a cell shows three, then
    "另有 N 项" pointing at that day in the month's list, which names them all."""
    today = timezone.localdate()
    for n in range(5):
        project = make_project(by=demo_users["yuci_staff"], name=f"同日督办项目{n}")
        services.supervision_open(
            project=project, by=demo_users["city_staff"], due_on=today, instruction="请报进展"
        )
    client.force_login(demo_users["yuci_staff"])
    page = client.get(reverse("notifications:calendar")).text
    grid = page.split('data-testid="calendar-grid"', 1)[1].split("</table>", 1)[0]
    assert grid.count('data-testid="calendar-entry"') == 3
    assert "另有 2 项" in grid and f'href="#day-{today:%Y%m%d}"' in grid
    listed = page.split('data-testid="calendar-list"', 1)[1]
    assert f'id="day-{today:%Y%m%d}"' in listed
    assert all(f"同日督办项目{n}" in listed for n in range(5))


def test_an_empty_answer_is_refused_with_a_message(client, demo_users, items):
    client.force_login(demo_users["yuci_staff"])
    item = items["old"]
    page = client.post(
        reverse("lights:supervision_answer", args=[item.pk]), {"answer": "  "}, follow=True
    ).text
    assert "请填写答复" in page
    assert SupervisionItem.objects.get(pk=item.pk).status == "open"


def test_only_city_staff_retire_a_rule_and_the_lights_follow(client, demo_users, reference_data):
    """tests/security/url_rules.py skips lights:rule_retire as "tested in tests/lights": here."""
    project = make_project(by=demo_users["yuci_staff"], stage=Stage.SIGNED, signed_on=D(2023, 2, 3))
    services.lights_refresh()
    assert _light(project) == "red"
    rule = services.rule_create(
        by=demo_users["city_staff"],
        from_stage="signed",
        yellow_days=2000,
        red_days=3000,
        region=Region.objects.get(code="140702"),
    )
    assert _light(project) == "green"
    url = reverse("lights:rule_retire", args=[rule.series])
    for name in ("yuci_staff", "yuci_official", "leader"):
        client.force_login(demo_users[name])
        assert client.post(url).status_code == 403
    assert LightRule.objects.get(pk=rule.pk).is_current
    client.force_login(demo_users["city_staff"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not LightRule.objects.get(pk=rule.pk).is_current
    assert _light(project) == "red"  # judged by the city-wide 180 days again


def test_city_staff_return_an_answer_with_a_reason_and_the_county_answers_again(
    client, demo_users, items
):
    item = items["old"]
    clerk = demo_users["yuci_staff"]
    services.supervision_answer(item=item, by=clerk, answer="已办理")
    client.force_login(demo_users["city_staff"])
    review = reverse("lights:supervision_review", args=[item.pk])
    client.post(review, {"decision": "returned", "note": ""})
    assert SupervisionItem.objects.get(pk=item.pk).status == "answered"  # no reason: refused
    client.post(review, {"decision": "returned", "note": "请附用地批复"})
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("returned", "请附用地批复")
    client.force_login(clerk)
    detail = client.get(reverse("lights:supervision_detail", args=[item.pk])).text
    assert "请附用地批复" in detail and "answer-form" in detail
    services.supervision_answer(item=item, by=clerk, answer="已附用地批复")
    item.refresh_from_db()
    assert (
        item.status == "answered" and item.history.count() == 4
    )  # opened, answered, returned, answered
