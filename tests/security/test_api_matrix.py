"""Every API operation of the OpenAPI schema × every demo user (each with a token of their own) ×
own-region / other-region / confidential object: the expected status, and no name of a project the
caller may not see anywhere in the body.

The operations come from the schema, so a new operation without a rule in api_rules.py fails here
with "add a rule for <operationId>"."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts import services as account_services
from core.models import ChainLink, IndustryChain, PromotionMethod, Region
from lights.models import LightRule
from tests.security.api_rules import API_RULES, Op
from tests.security.test_permission_matrix import (
    EVERY_EVENT,
    VISIBLE,
    VISIBLE_BY_KIND,
    WRITABLE_BY_KIND,
    _leaks,
    _statuses,
)
from tests.security.url_rules import USERS

METHODS = ("get", "post", "put", "patch", "delete")
SHARED = {user: {"shared"} for user in VISIBLE}  # reference data: everyone reads it
API_VISIBLE = {
    **VISIBLE_BY_KIND,
    "followup": VISIBLE,  # a project's records follow the project's scope
    "funds": VISIBLE,
    "signing": VISIBLE,
    "agreement": EVERY_EVENT,  # an event's orders and agreements are public, like the event
    "region_target": {user: {"yuci_open", "taigu_open"} for user in VISIBLE},  # aggregate figures
    "region": SHARED,
    "chain": SHARED,
    "chain_link": SHARED,
    "promotion_method": SHARED,
    "light_rule": SHARED,
}


def api_operations() -> dict[str, tuple[str, str, list[str]]]:
    """operationId -> (method, path, path parameter names), from the generated schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {}
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
                operations[op["operationId"]] = (method, path, params)
    return operations


OPERATIONS = api_operations()


def test_every_api_operation_has_a_rule():
    missing = sorted(set(OPERATIONS) - set(API_RULES))
    assert not missing, "\n".join(
        f"add a rule for {op} to tests/security/api_rules.py" for op in missing
    )


def test_every_api_rule_names_an_operation():
    stale = sorted(set(API_RULES) - set(OPERATIONS))
    assert not stale, f"rules for operations the schema no longer has: {stale}"


@pytest.fixture
def api_objects(county_objects):
    """The security conftest's objects plus the reference rows the API names by code."""
    county_objects.update(
        {
            "region": {"shared": Region.objects.get(code="140702")},
            "chain": {"shared": IndustryChain.objects.order_by("pk").first()},
            "chain_link": {"shared": ChainLink.objects.order_by("pk").first()},
            "promotion_method": {"shared": PromotionMethod.objects.order_by("pk").first()},
            "light_rule": {"shared": LightRule.objects.order_by("pk").first()},
        }
    )
    county_objects.builders.update(
        {
            "agreement": lambda: {"agreement": _agreements(county_objects["event"])},
            "region_target": lambda: {"region_target": _region_targets()},
        }
    )
    return county_objects  # the other kinds are built when a rule asks for them


def _agreements(events: dict) -> dict:
    """An order signed at each county's event (agreements are written by the event's editors)."""
    from events.services import agreement_record

    return {
        variant: agreement_record(
            event=event, by=None, kind="order", description=f"MXAGREEMENT{variant}订单"
        )
        for variant, event in events.items()
    }


def _region_targets() -> dict:
    """A year's targets for 榆次 and 太谷: figures everyone reads, only city editors set."""
    from targets.models import Target

    return {
        variant: Target.objects.create(region=Region.objects.get(code=code), year=2031)
        for variant, code in (("yuci_open", "140702"), ("taigu_open", "140703"))
    }


def _url(path: str, params: list[str], obj) -> str:
    for name in params:
        value = obj.pk if name in ("id", "pk") else getattr(obj, name)
        path = path.replace("{" + name + "}", str(value))
    return path


def _token_client(user) -> APIClient:
    _token, plain = account_services.api_token_create(user=user, by=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    return client


def _call(client: APIClient, method: str, url: str):
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, {}, format="json")


def _expected(rule: Op, user: str, variant: str | None) -> set[int]:
    if variant is None:
        return _statuses(rule.ok) if user in rule.roles else {403}
    visible = variant in API_VISIBLE[rule.obj][user]
    writable = not rule.writes or variant in WRITABLE_BY_KIND.get(rule.obj, {}).get(user, set())
    if user in rule.roles and visible and not writable:
        return {403}
    if user in rule.roles:
        return _statuses(rule.ok) if visible else {404}
    return {403} if visible else {403, 404}


@pytest.mark.django_db
@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_api_operation_answers_each_role_as_its_rule_says(operation_id, demo_users, api_objects):
    rule = API_RULES.get(operation_id)
    if rule is None:
        pytest.fail(f"add a rule for {operation_id} to tests/security/api_rules.py")
    if rule.skip:
        pytest.skip(rule.skip)
    method, path, params = OPERATIONS[operation_id]
    if params and rule.obj is None:
        pytest.fail(f"{operation_id} has path parameters {params}: its rule needs obj=")
    cache.clear()  # throttle counters live in the cache
    if rule.obj is None:  # a list: every record that could leak into it exists
        for kind in ("event", "followup", "funds", "target", "supervision"):
            api_objects[kind]
    variants = api_objects[rule.obj] if rule.obj else {None: None}
    problems: list[str] = []

    first = next(iter(variants.values()))
    url = _url(path, params, first) + rule.query if first is not None else path + rule.query
    response = _call(APIClient(), method, url)
    if response.status_code not in _statuses(rule.anonymous):
        problems.append(f"anonymous {method} {url}: {response.status_code}")

    for user in USERS:
        client = _token_client(demo_users[user])
        for variant, obj in variants.items():
            url = (_url(path, params, obj) if obj is not None else path) + rule.query
            response = _call(client, method.lower(), url)
            expected = _expected(rule, user, variant)
            if response.status_code not in expected:
                problems.append(
                    f"{user} {method.upper()} {url} ({variant}): {response.status_code}, "
                    f"expected {expected}"
                )
            if leaked := _leaks(response.content.decode(errors="replace"), user):
                problems.append(f"{user} {method.upper()} {url} ({variant}): shows {leaked}")
    assert not problems, "\n".join(problems)
