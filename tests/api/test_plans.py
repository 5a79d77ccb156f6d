"""Planned list pages (core.api.plans): the same SQL, rows, counts and links as the ORM's, for every
filter, alone and combined, in every scope, page-number and cursor pages alike."""

import base64
import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api import plans
from core.models import IndustryChain, PromotionMethod, Region
from enterprises.models import IndustrialPark
from projects.api.serializers import PROJECT_LIST_FIELDS
from projects.api.views import ProjectViewSet
from projects.models import Project

pytestmark = pytest.mark.usefixtures("demo_data")

USERS = ["city_staff", "yuci_staff", "api_reader"]


def _values():
    """Candidate values per filter parameter, from the demo data (some match nothing)."""
    owners = sorted({o for o in Project.objects.values_list("owner_id", flat=True) if o})
    return {
        "region": [*Region.objects.values_list("code", flat=True)[:6], "140702"],
        "chain": list(IndustryChain.objects.values_list("code", flat=True)[:4]),
        "method": list(PromotionMethod.objects.values_list("code", flat=True)[:4]),
        "park": [str(p) for p in IndustrialPark.objects.values_list("id", flat=True)[:3]],
        "owner": [str(o) for o in owners[:3]] or ["1"],
        "stage": ["signed", "started", "lead", "producing"],
        "amount_min": ["1000", "50000.5", "0"],
        "amount_max": ["100000", "999999999.99"],
        "signed_from": ["2023-01-01", "2022-06-30"],
        "signed_to": ["2023-03-31", "2024-12-31"],
        "registered_from": ["2022-01-01"],
        "started_to": ["2023-12-31"],
        "planned_start_from": ["2023-01-01"],
        "producing_to": ["2025-01-01"],
        "out_of_province": ["true", "false"],
        "foreign": ["true", "false"],
        "origin": ["yrd", "in_province", "overseas"],
        "sort": ["-signed", "amount", "name", "-registered"],
    }


def _both(client, url) -> tuple[dict, dict]:
    """(planned, ORM) answers to `url`: status, JSON and the page query's SQL as run."""
    answers = {}
    for planned in (True, False):
        ProjectViewSet.planned_model = Project if planned else None
        try:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
        finally:
            ProjectViewSet.planned_model = Project
        page_sql = [  # the page's rows (the count is compared through the answer's `count`)
            q["sql"]
            for q in ctx.captured_queries
            if 'FROM "projects_project"' in q["sql"] and not q["sql"].startswith("SELECT COUNT(")
        ]
        answers[planned] = {
            "status": response.status_code,
            "body": response.json(),
            "sql": page_sql,
        }
    return answers[True], answers[False]


def _cases(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    values = _values()
    names = list(values)
    cases = []
    for _ in range(n):
        chosen = rng.sample(names, rng.randint(1, 4))
        params = [f"{name}={rng.choice(values[name])}" for name in chosen]
        if "stage" in chosen and rng.random() < 0.5:
            params.append(f"stage={rng.choice(values['stage'])}")  # repeated: several stages
        params.append(f"page_size={rng.choice([1, 2, 5, 50])}")
        if rng.random() < 0.5:
            params.append("cursor=")
        cases.append("/api/v1/projects/?" + "&".join(params))
    return cases


@pytest.mark.parametrize("username", USERS)
def test_planned_pages_match_the_orm_for_filters_alone_and_combined(users, api_as, username):
    client = api_as(users[username])
    values = _values()
    single = [f"/api/v1/projects/?{name}={v}" for name, vs in values.items() for v in vs]
    for url in [*single, *_cases(seed=len(username), n=40)]:
        planned, orm = _both(client, url)
        assert planned["status"] == orm["status"] == 200, (url, planned["body"])
        assert planned["body"] == orm["body"], url
        # The same statement, parameters included, as the ORM runs.
        assert planned["sql"] == orm["sql"], url


def test_a_filter_value_changes_the_parameters_not_the_plan(users, api_as):
    client = api_as(users["city_staff"])
    plans.forget_plans()
    first = client.get("/api/v1/projects/?region=140702&signed_from=2023-01-01").json()
    shapes = len(plans._plans)
    second = client.get("/api/v1/projects/?region=140703&signed_from=2022-01-01").json()
    assert len(plans._plans) == shapes  # same shape, no new plan
    assert {r["region"] for r in first["results"]} == {"140702"}
    assert {r["region"] for r in second["results"]} <= {"140703"}
    expected = Project.objects.filter(region__code="140703", signed_on__gte="2022-01-01").count()
    assert second["count"] == expected


def test_cursor_walks_and_page_numbers_match_the_orm(users, api_as):
    client = api_as(users["city_staff"])
    for start in ("/api/v1/projects/?cursor=&page_size=3", "/api/v1/projects/?page_size=3"):
        url, pages = start, 0
        while url and pages < 30:
            planned, orm = _both(client, url)
            assert planned["body"] == orm["body"] and planned["sql"] == orm["sql"], url
            url = planned["body"]["next"]
            pages += 1
        assert pages > 3
        # ... and backwards from the last page reached.
        url = planned["body"]["previous"]
        planned, orm = _both(client, url)
        assert planned["body"] == orm["body"], url


def test_requests_the_plans_leave_to_the_orm_answer_as_before(users, api_as):
    client = api_as(users["city_staff"])
    for url in (
        "/api/v1/projects/?q=吉利",  # a search: its value is not passed on as it is
        "/api/v1/projects/?q=jili&page_size=2",
        "/api/v1/projects/?park=abc",  # refused by validation, as before
        "/api/v1/projects/?stage=nonsense",
        "/api/v1/projects/?signed_from=2023-13-01",
        "/api/v1/projects/?page=999",
        "/api/v1/projects/?cursor=bm90LWEtY3Vyc29y",
        f"/api/v1/projects/?cursor={base64.b64encode(b'p=abc').decode()}",  # hand-made position
        f"/api/v1/projects/?cursor={base64.b64encode(b'p=1.5&r=1').decode()}",
    ):
        planned, orm = _both(client, url)
        assert planned["status"] == orm["status"], url
        assert planned["status"] in (200, 400, 404), (url, planned["body"])
        assert planned["body"] == orm["body"], url


def test_plans_never_cross_scopes(users, api_as):
    city = api_as(users["city_staff"])
    county = api_as(users["yuci_staff"])
    plans.forget_plans()
    everyone = city.get("/api/v1/projects/?page_size=500&stage=signed").json()
    own = county.get("/api/v1/projects/?page_size=500&stage=signed").json()
    assert {r["region"] for r in own["results"]} == {"140702"}
    assert own["count"] < everyone["count"]
    assert own["count"] == Project.objects.filter(region__code="140702", stage="signed").count()


@pytest.mark.parametrize("value", ["140702", "jzkfq", dt.date(2023, 1, 1), Decimal("12.5"), 7])
def test_a_marker_is_found_only_as_itself(value):
    marker = plans._marker(value, 0)
    assert plans._match(marker, marker)[0]
    assert not plans._match(f"%{marker}%", marker)[0]
    assert plans._contains_marker(f"%{marker}%", {"x": marker}) == isinstance(marker, str)


def test_every_filter_of_the_project_list_but_search_is_planned(users, api_as):
    client = api_as(users["city_staff"])
    for name, candidates in _values().items():
        plans.forget_plans()
        assert client.get(f"/api/v1/projects/?{name}={candidates[0]}").status_code == 200
        assert any(p is not None for p in plans._plans.values()), name
    plans.forget_plans()
    assert client.get("/api/v1/projects/?q=jili").status_code == 200
    assert not any(p is not None for p in plans._plans.values())


def test_a_shape_whose_plan_cannot_be_made_is_read_by_the_orm_with_the_same_keys(
    users, api_as, monkeypatch
):
    client = api_as(users["city_staff"])

    def refuse(*args, **kwargs):
        raise plans.NotPlannable

    monkeypatch.setattr(plans, "compile_plan", refuse)
    plans.forget_plans()
    for url in (
        "/api/v1/projects/?stage=signed&page_size=5",
        "/api/v1/projects/?cursor=&page_size=3&signed_from=2023-01-01",
        "/api/v1/projects/?page_size=2",
    ):
        planned, orm = _both(client, url)
        assert planned["status"] == orm["status"] == 200, url
        assert planned["body"] == orm["body"], url
        assert planned["body"]["results"], url
        assert set(planned["body"]["results"][0]) == set(PROJECT_LIST_FIELDS), url
    assert plans._plans and not any(p is not None for p in plans._plans.values())
