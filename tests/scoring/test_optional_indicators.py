"""The assessment's optional indicators (省外 count / amount, 外资 count / amount, completed
investment) scored against targets set for them, checked against sums over the demo projects
computed here, never by the scoring code."""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from core.models import Region
from projects.models import CompletedInvestment, Project
from rollups.refresh import rebuild_all
from scoring import services
from targets.models import Target

Q1_START, Q1_END = dt.date(2023, 1, 1), dt.date(2023, 3, 31)
SHARE = Decimal(3) / Decimal(12)  # Q1 is measured against a quarter of the year's target
CAP = Decimal("1.2")
WEIGHTS = {
    "oop_count": Decimal(20),
    "oop_amount": Decimal(20),
    "foreign_count": Decimal(20),
    "foreign_amount": Decimal(20),
    "completed": Decimal(20),
}


@pytest.fixture
def demo(demo_data, db):
    return None


def _sums() -> dict[int, dict]:
    """Per region: Q1's signed 省外 / 外资 counts and amounts and completed investment, summed over
    the live projects and their monthly records."""
    out: dict[int, dict] = {}

    def row(region_id):
        return out.setdefault(
            region_id,
            {
                "oop_count": 0,
                "oop_amount": Decimal(0),
                "foreign_count": 0,
                "foreign_amount": Decimal(0),
                "completed": Decimal(0),
            },
        )

    for p in Project.objects.prefetch_related("signings"):
        kinds = {s.agreement_kind for s in p.signings.all()}
        counted = "formal" in kinds or not kinds  # the default caliber
        if not (p.signed_on and Q1_START <= p.signed_on <= Q1_END and counted):
            continue
        r = row(p.region_id)
        if p.is_foreign:  # 外资 only, even with the out-of-province flag set too
            r["foreign_count"] += 1
            r["foreign_amount"] += p.planned_investment
        elif p.is_out_of_province:
            r["oop_count"] += 1
            r["oop_amount"] += p.planned_investment
    for c in CompletedInvestment.objects.filter(
        month__gte=Q1_START, month__lte=Q1_END, project__is_deleted=False
    ).select_related("project"):
        row(c.project.region_id)["completed"] += c.amount
    return out


def _sign_foreign_projects() -> None:
    """The demo signs no 外资 project and records no completed investment in 2023 Q1: make one Q1
    signing in each of three counties foreign (one of them also flagged 省外, which 外资 takes),
    record completed investment for them, and recompute the rollups."""
    picked, seen = [], set()
    for p in Project.objects.filter(signed_on__range=(Q1_START, Q1_END)).order_by("pk"):
        if p.region_id not in seen and len(picked) < 3:
            seen.add(p.region_id)
            picked.append(p.pk)
    Project.objects.filter(pk__in=picked).update(is_foreign=True)
    Project.objects.filter(pk=picked[0]).update(is_out_of_province=True)
    CompletedInvestment.objects.bulk_create(
        CompletedInvestment(project_id=pk, month=dt.date(2023, month, 1), amount=amount)
        for pk, month, amount in [
            (picked[0], 1, Decimal("12000")),
            (picked[0], 3, Decimal("8000.5")),
            (picked[1], 2, Decimal("40000")),
            (picked[2], 4, Decimal("99999")),  # April: outside Q1
        ]
    )
    rebuild_all()


def _set_targets() -> dict[str, dict]:
    """Targets for the optional measures on every county; 榆社 has none of them."""
    goals = {}
    for i, region in enumerate(Region.objects.exclude(kind=Region.Kind.CITY).order_by("code")):
        none = region.code == "140721"
        goal = {
            "out_of_province_count": None if none else 2 + i % 3,
            "out_of_province_amount": None if none else Decimal(40000 + 10000 * i),
            "foreign_count": None if none else 1 + i % 2,
            "foreign_amount": None if none else Decimal(5000 + 2000 * i),
            "completed_amount": None if none else Decimal(100000 + 20000 * i),
        }
        Target.objects.update_or_create(region=region, year=2023, defaults=goal)
        goals[region.code] = goal
    return goals


def _expected_points(goal: dict, actual: dict) -> Decimal:
    pairs = {
        "oop_count": "out_of_province_count",
        "oop_amount": "out_of_province_amount",
        "foreign_count": "foreign_count",
        "foreign_amount": "foreign_amount",
        "completed": "completed_amount",
    }
    total = Decimal(0)
    for key, target_field in pairs.items():
        if goal[target_field] is None:
            continue
        ratio = Decimal(actual[key]) / (Decimal(goal[target_field]) * SHARE)
        total += WEIGHTS[key] * min(ratio, CAP)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _optional_scheme(user):
    return services.scheme_create(
        by=user,
        name="只考省外、外资与完成投资",
        year_from=2023,
        indicators=[{"key": k, "weight": str(w), "cap": str(CAP)} for k, w in WEIGHTS.items()],
        buckets=[{"low": "20", "high": None, "points": "0"}],  # a scheme holds one at least
        bucket_cap="0",
        red_light_deduction="0",
        returned_false_deduction="0",
        black_list_gap="20",
    )


def _rows(page: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2)
        for m in re.finditer(
            r'<tr data-testid="score-row" data-region="([^"]+)"[^>]*>(.*?)</tr>', page, re.S
        )
    }


def test_the_optional_indicators_score_each_county_by_the_formula(demo, client, demo_users):
    _sign_foreign_projects()
    goals = _set_targets()
    _optional_scheme(demo_users["city_staff"])
    sums = _sums()
    # Q1 has 省外 and 外资 signings and completed investment: the check is not vacuous.
    assert sum(r["oop_count"] for r in sums.values()) > 0
    assert sum(r["foreign_count"] for r in sums.values()) > 0
    assert sum(r["completed"] for r in sums.values()) > 0
    client.force_login(demo_users["leader"])
    page = client.get(reverse("scoring:scores"), {"year": "2023", "period": "q1"}).content.decode()
    rows = _rows(page)
    assert len(rows) == 12
    regions = {r.code: r.pk for r in Region.objects.exclude(kind=Region.Kind.CITY)}
    zero = dict.fromkeys(WEIGHTS, 0)
    scored = 0
    for code, html in rows.items():
        actual = sums.get(regions[code], zero)
        want = _expected_points(goals[code], actual)
        got = re.search(r'data-testid="score-total">([^<]+)<', html).group(1)
        assert Decimal(got) == want, code
        scored += want > 0
    assert scored >= 3
    # 榆社 has no optional targets: every indicator scores nothing there.
    assert Decimal(re.search(r'score-total">([^<]+)<', rows["140721"]).group(1)) == 0


def test_the_foreign_count_is_shown_against_its_target(demo, client, demo_users):
    """外资 signed count: its own cell on /scores/, a count with its share of the target."""
    _sign_foreign_projects()
    goals = _set_targets()
    _optional_scheme(demo_users["city_staff"])
    sums = _sums()
    regions = {r.pk: r.code for r in Region.objects.exclude(kind=Region.Kind.CITY)}
    pk, actual = max(sums.items(), key=lambda kv: kv[1]["foreign_count"])
    assert actual["foreign_count"] > 0
    code = regions[pk]
    client.force_login(demo_users["leader"])
    page = client.get(reverse("scoring:scores"), {"year": "2023", "period": "q1"}).content.decode()
    assert "外资签约项目完成率" in page
    html = _rows(page)[code]
    cell = re.search(r'data-testid="cell-foreign_count"[^>]*>([^<]+)<', html).group(1)
    assert cell == str(actual["foreign_count"])
    pct = (
        Decimal(actual["foreign_count"]) / (goals[code]["foreign_count"] * SHARE) * 100
    ).quantize(Decimal("0.1"), ROUND_HALF_UP)
    ratio = re.search(r'data-testid="ratio-foreign_count">([^<]+)<', html).group(1)
    assert ratio == f"完成目标{pct}%"
    # Its drill-down lists the 外资 projects signed in the period.
    link = re.search(r'<a href="([^"]+)" data-testid="cell-foreign_count"', html).group(1)
    assert "foreign=true" in link and f"region={code}" in link


def test_each_county_shows_its_projects_of_1_5_and_10_yi_and_up(demo, client, demo_users):
    """亿元+ / 5亿+ / 10亿+ per county on /scores/, equal to counts over the Q1 signings."""
    want: dict[int, list[int]] = {}
    for p in Project.objects.prefetch_related("signings"):
        kinds = {s.agreement_kind for s in p.signings.all()}
        if p.signed_on and Q1_START <= p.signed_on <= Q1_END and ("formal" in kinds or not kinds):
            counts = want.setdefault(p.region_id, [0, 0, 0])
            for i, wan in enumerate((10000, 50000, 100000)):
                counts[i] += p.planned_investment >= wan
    assert sum(c[0] for c in want.values()) > sum(c[2] for c in want.values()) > 0
    client.force_login(demo_users["yuci_official"])
    page = client.get(reverse("scoring:scores"), {"year": "2023", "period": "q1"}).content.decode()
    assert "签约项目规模" in page
    rows = _rows(page)
    for region in Region.objects.exclude(kind=Region.Kind.CITY):
        html = rows[region.code]
        shown = re.findall(r'data-testid="cell-size"[^>]*>([^<]+)<', html)
        counts = want.get(region.pk, [0, 0, 0])
        assert shown == [f"亿元+: {counts[0]}", f"5亿+: {counts[1]}", f"10亿+: {counts[2]}"]
    # Each count leads to the list of the projects behind it.
    link = re.search(
        r'<a class="[^"]*" href="([^"]+)" data-testid="cell-size">10亿+', rows["140702"]
    )
    assert "amount_min=100000" in link.group(1).replace("&amp;", "&")
