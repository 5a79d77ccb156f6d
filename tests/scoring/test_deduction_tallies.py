"""The assessment's deductions read from tallies kept by their writers (issue 22), never from the
projects, the evidence claims or the light history; and a locked period keeping them (issue 21).

Each tally is checked against an oracle written here in plain Python over the source rows."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Region
from enterprises.services import enterprise_create
from events.services import signing_record
from lights import services as light_services
from lights.models import LightChange, LightRule
from lights.selectors import light_counts_on
from projects.models import Project
from projects.services import project_create, project_delete, project_restore, project_update
from rollups import locks, refresh
from rollups.deductions import returned_false_drift
from rollups.models import ReturnedFalseTally
from scoring.indicators import region_figures
from scoring.periods import assessment_period
from scoring.selectors import compute_scores
from scoring.services import scheme_create_default
from verification import services
from verification.models import MilestoneClaim

pytestmark = pytest.mark.django_db
D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
Q1 = assessment_period(2023, "q1")
# What a score must never read (DESIGN.md: dashboards and the assessment read rollups).
SOURCE_TABLES = ("projects_project", "verification_milestoneclaim", "lights_lightchange")


def pdf(name: str = "合同.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def signing(demo_users, settings, tmp_path):
    """A 榆次 project signed by 榆次 staff on 2023-02-03."""
    settings.MEDIA_ROOT = tmp_path
    clerk = demo_users["yuci_staff"]
    project = project_create(
        by=clerk,
        name="考评扣分测试项目",
        investor=enterprise_create(name="考评扣分测试投资有限公司"),
        region=Region.objects.get(code="140702"),
        planned_investment=Decimal("5000"),
        registered_on=D(2023, 1, 5),
    )
    return signing_record(by=clerk, project=project, signed_on=D(2023, 2, 3))


def _claim(signing, demo_users) -> MilestoneClaim:
    clerk = demo_users["yuci_staff"]
    return services.evidence_add(kind="signed", record=signing, upload=pdf(), by=clerk).record


def _tally() -> dict:
    return {
        (r, m): n
        for r, m, n in ReturnedFalseTally.objects.values_list("region_id", "month", "count")
    }


def _oracle_returned_false() -> dict:
    """The claims marked false of projects not deleted, by the project's region and claim month."""
    out: Counter = Counter()
    for claim in MilestoneClaim.objects.filter(found_false=True).select_related("project"):
        project = claim.project
        if not project.is_deleted and project.region_id is not None:
            out[(project.region_id, claim.claimed_on.replace(day=1))] += 1
    return dict(out)


def test_the_returned_false_tally_follows_return_verify_resubmit_delete_and_restore(
    signing, demo_users
):
    verifier, clerk = demo_users["city_staff"], demo_users["yuci_staff"]
    yuci, feb = signing.project.region_id, D(2023, 2, 1)
    claim = _claim(signing, demo_users)
    services.claim_return(claim=claim, by=verifier, reason="缺少盖章页")  # not marked false
    assert _tally() == {} == _oracle_returned_false()

    services.claim_resubmit(claim=claim, by=clerk)
    services.claim_return(claim=claim, by=verifier, reason="现场无此项目", found_false=True)
    assert _tally() == {(yuci, feb): 1} == _oracle_returned_false()

    services.claim_resubmit(claim=claim, by=clerk)  # the mark stays through a resubmission
    assert _tally() == {(yuci, feb): 1} == _oracle_returned_false()
    services.claim_verify(claim=claim, by=verifier)  # verified after all: un-returned
    assert _tally() == {} == _oracle_returned_false()

    services.claim_return(claim=claim, by=verifier, reason="复查为虚假", found_false=True)
    assert _tally() == {(yuci, feb): 1}
    project_delete(project=signing.project, by=clerk)
    refresh.drain_outbox()
    assert _tally() == {} == _oracle_returned_false()
    project = Project.all_objects.get(pk=signing.project_id)
    project_restore(project=project, by=clerk)
    refresh.drain_outbox()
    assert _tally() == {(yuci, feb): 1} == _oracle_returned_false()

    # Moved to another county: the claim's month counts there, and no longer in 榆次.
    taigu = Region.objects.get(code="140703")
    project_update(
        project=Project.objects.get(pk=project.pk),
        by=verifier,
        region=taigu,
        owner=demo_users["taigu_staff"],
    )
    refresh.drain_outbox()
    assert _tally() == {(taigu.pk, feb): 1} == _oracle_returned_false()
    assert returned_false_drift() == 0


def test_a_rebuild_finds_and_fixes_a_drifted_returned_false_tally(signing, demo_users):
    claim = _claim(signing, demo_users)
    services.claim_return(claim=claim, by=demo_users["city_staff"], reason="虚假", found_false=True)
    ReturnedFalseTally.objects.update(count=5)
    ReturnedFalseTally.objects.create(
        region_id=signing.project.region_id, month=D(2022, 5, 1), count=1
    )
    assert returned_false_drift() == 2
    assert refresh.compare_with_live().returned_false_cells == 2
    with pytest.raises(SystemExit):
        call_command("verify_rollups")
    comparison = refresh.rebuild_all()
    assert comparison.returned_false_cells == 2 and comparison.drift >= 2
    assert _tally() == _oracle_returned_false() == {(signing.project.region_id, D(2023, 2, 1)): 1}
    assert returned_false_drift() == 0


def _oracle_lights_on(day: dt.date) -> dict:
    """{(region, light): projects} by the history: per project, the last row recorded whose light
    had taken effect by `day`."""
    in_force: dict[int, LightChange] = {}
    for row in LightChange.objects.order_by("pk"):
        if (row.since or row.as_of) <= day:
            in_force[row.project_id] = row
    out: Counter = Counter(
        (row.region_id, row.light) for row in in_force.values() if row.light in ("red", "yellow")
    )
    return dict(out)


def test_a_counted_days_light_tally_is_kept_exact_by_the_history_writers(signing, demo_users):
    """Days counted before the history changed (a refresh, a rule change with back-dated lights,
    a move) are adjusted by those writers, so their readers never go back to the history."""
    days = [D(2023, 3, 31), D(2023, 9, 30), dt.date.today()]
    for day in days:
        assert light_counts_on(day) == {}  # counted now: nothing lit yet
    city = demo_users["city_staff"]
    light_services.lights_refresh()  # red since 2023-08-02 (signed + 180 days)
    rule = LightRule.objects.get(is_current=True, from_stage="signed", region=None)
    light_services.rule_change(rule=rule, by=city, yellow_days=10, red_days=20, as_of=D(2023, 3, 1))
    light_services.lights_refresh()
    project_update(
        project=Project.objects.get(pk=signing.project_id),
        by=city,
        region=Region.objects.get(code="140703"),
        owner=demo_users["taigu_staff"],
    )
    refresh.drain_outbox()  # the move's history row, in force from today
    assert LightChange.objects.count() >= 3
    for day in days:
        with CaptureQueriesContext(connection) as read:
            counts = light_counts_on(day)
        assert counts == _oracle_lights_on(day), day
        assert len(read.captured_queries) == 1
        assert "lights_lightchange" not in read.captured_queries[0]["sql"]
    assert light_counts_on(D(2023, 3, 31)) == {(signing.project.region_id, "red"): 1}


def test_scores_read_no_projects_claims_or_light_history(signing, demo_users):
    scheme_create_default()
    claim = _claim(signing, demo_users)
    services.claim_return(claim=claim, by=demo_users["city_staff"], reason="虚假", found_false=True)
    light_services.lights_refresh()
    compute_scores(
        assessment_period(2023, "year")
    )  # the first read of a past day counts its lights
    locks.period_lock(kind="quarter", year=2023, number=1, by=demo_users["city_staff"])
    for period in (Q1, assessment_period(2023, "year")):
        with CaptureQueriesContext(connection) as read:
            table = compute_scores(period)
        sql = " ".join(q["sql"] for q in read.captured_queries)
        assert not [t for t in SOURCE_TABLES if t in sql], sql
        # The scheme, the regions with their targets, the locks, the cells, the returns' tally,
        # the red lights' day tally (or the lock's snapshot of them).
        assert len(read.captured_queries) <= 6
        yuci = next(r for r in table.rows if r.code == "140702")
        assert yuci.returned_false == 1 and yuci.returned_false_points == 2


def test_a_locked_periods_red_lights_and_false_returns_do_not_move(signing, demo_users):
    """Locked 2023 Q1: a light back-dated into it and a return marked false after the lock leave
    its figures, its scores and its 通报 figures as locked; unlocked, they count."""
    scheme_create_default()
    city = demo_users["city_staff"]
    yuci = signing.project.region_id
    claim = _claim(signing, demo_users)
    assert region_figures(Q1).regions[yuci].red_lights == 0
    lock = locks.period_lock(kind="quarter", year=2023, number=1, by=city)
    assert lock.deductions.count() == Region.objects.count()

    rule = LightRule.objects.get(is_current=True, from_stage="signed", region=None)
    light_services.rule_change(rule=rule, by=city, yellow_days=10, red_days=20, as_of=D(2023, 3, 1))
    light_services.lights_refresh()  # red since 2023-02-23: within Q1
    services.claim_return(claim=claim, by=city, reason="现场无此项目", found_false=True)
    assert light_counts_on(Q1.end)[(yuci, "red")] == 1  # the live history moved

    figures = region_figures(Q1).regions[yuci]
    assert (figures.red_lights, figures.returned_false) == (0, 0)
    row = next(r for r in compute_scores(Q1).rows if r.region_id == yuci)
    assert (row.red_lights, row.returned_false) == (0, 0)
    assert locks.changed_snapshots() == []

    locks.period_unlock(lock=lock, by=demo_users["admin"], reason="复核")
    figures = region_figures(Q1).regions[yuci]
    assert (figures.red_lights, figures.returned_false) == (1, 1)


def test_the_returned_as_false_cell_drills_down_to_the_projects_behind_it(
    signing, demo_users, client
):
    """Issue 22: every cell of /scores/ leads to the projects behind it, the returned-as-false
    deduction too: the list shows the project whose evidence was marked false in the period."""
    import re

    from django.urls import reverse

    scheme_create_default()
    verifier = demo_users["city_staff"]
    claim = _claim(signing, demo_users)
    services.claim_return(claim=claim, by=verifier, reason="现场无此项目", found_false=True)
    client.force_login(demo_users["leader"])

    def cell(period: str) -> tuple[str, str]:
        page = client.get(reverse("scoring:scores"), {"year": "2023", "period": period}).text
        row = page.split('data-region="140702"', 1)[1].split("</tr>", 1)[0]
        found = re.search(r'<a href="([^"]+)" data-testid="cell-returned"[^>]*>(\d+)<', row)
        return found.group(2), found.group(1).replace("&amp;", "&")

    shown, link = cell("q1")
    assert shown == "1" and "returned_false_from=2023-01-01" in link
    listed = client.get(link)
    assert signing.project.name in listed.text
    assert listed.context["totals"]["count"] == 1
    # January ends before the claimed date (2023-02-03): nothing deducted, nothing listed.
    shown, link = cell("m1")
    assert shown == "0"
    listed = client.get(link)
    assert signing.project.name not in listed.text and listed.context["totals"]["count"] == 0
