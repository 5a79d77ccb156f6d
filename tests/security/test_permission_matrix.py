"""Every named URL × every demo user × own-region / other-region / confidential object: the expected
status, and no name of an object the user may not see anywhere in the body.

The URLs come from the URL conf, so a new page without a rule in url_rules.py fails here."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import MARKERS
from tests.security.url_rules import ANONYMOUS, USERS, Rule, rule_for

# Which of the four test objects each demo user may see (DESIGN.md "Access"): city roles all; county
# users their own region, confidential included; the city-wide API client all but confidential ones.
ALL = set(MARKERS)
VISIBLE = {
    "admin": ALL,
    "city_staff": ALL,
    "leader": ALL,
    "yuci_staff": {"yuci_open", "yuci_secret"},
    "yuci_official": {"yuci_open", "yuci_secret"},
    "taigu_staff": {"taigu_open", "taigu_secret"},
    "api_reader": {"yuci_open", "taigu_open"},
}
STAFF = {"admin", "city_staff"}
# Enterprises and parks are public facts: everyone signed in reads them all.
EVERY_OBJECT = {user: {"yuci_open", "taigu_open", "investor"} for user in VISIBLE}
# Events are public news; chains and targets city-wide planning data (see tests/security/conftest).
EVERY_EVENT = {user: {"yuci_open", "taigu_open"} for user in VISIBLE}
# An import batch: its uploader and city administrators (imports.selectors via accounts.scoping).
IMPORTS_SEEN = {user: {user} for user in VISIBLE} | {
    "admin": {"yuci_staff", "taigu_staff", "city_staff"}
}
VISIBLE_BY_KIND = {
    "project": VISIBLE,
    "attachment": VISIBLE,
    "enterprise": EVERY_OBJECT,
    "park": EVERY_OBJECT,
    "event": EVERY_EVENT,
    "event_attachment": EVERY_EVENT,
    "chain": {user: {"shared"} for user in VISIBLE},
    "target": {user: {"open", "taigu_secret"} for user in VISIBLE},
    "import": IMPORTS_SEEN,
    "supervision": VISIBLE,  # a 督办 item follows its project's scope
    # Saved views (tests/security/conftest.py): 榆次 staff's private and region-shared views and
    # city staff's city-wide one. The city-wide one is everyone's; the region one 榆次's.
    "savedview": {user: {"city_shared"} for user in VISIBLE}
    | {
        "yuci_staff": {"yuci_private", "yuci_region", "city_shared"},
        "yuci_official": {"yuci_region", "city_shared"},
    },
    "claim": VISIBLE,  # milestone evidence follows its project's scope
    "report_document": {user: {"shared"} for user in VISIBLE},  # 通报: city-wide documents
    "lock": {user: {"shared"} for user in VISIBLE},  # a locked period: city-wide
}
# Which objects each editor may change: their region's; outside investors (no region) for every
# editor; city editors everything.
_YUCI = {"yuci_open", "yuci_secret"}
_TAIGU = {"taigu_open", "taigu_secret"}
WRITABLE_BY_KIND = {
    "project": {"admin": ALL, "city_staff": ALL, "yuci_staff": _YUCI, "taigu_staff": _TAIGU},
    "enterprise": {
        "admin": {"yuci_open", "taigu_open", "investor"},
        "city_staff": {"yuci_open", "taigu_open", "investor"},
        "yuci_staff": {"yuci_open", "investor"},
        "taigu_staff": {"taigu_open", "investor"},
    },
    # Events: city editors all; county staff the events their region organises.
    "event": {
        "admin": {"yuci_open", "taigu_open"},
        "city_staff": {"yuci_open", "taigu_open"},
        "yuci_staff": {"yuci_open"},
        "taigu_staff": {"taigu_open"},
    },
    # A batch is confirmed or rolled back by whoever may see it (its uploader, city administrators).
    "import": IMPORTS_SEEN,
}
# A saved view is renamed, re-shared or deleted by its owner only.
WRITABLE_BY_KIND["savedview"] = {
    "yuci_staff": {"yuci_private", "yuci_region"},
    "city_staff": {"city_shared"},
}
WRITABLE_BY_KIND["event_attachment"] = WRITABLE_BY_KIND["event"]
WRITABLE_BY_KIND["supervision"] = WRITABLE_BY_KIND["project"]
# A signing is corrected by whoever may change its project; region targets only by city editors.
WRITABLE_BY_KIND["signing"] = WRITABLE_BY_KIND["project"]
WRITABLE_BY_KIND["region_target"] = {
    user: {"yuci_open", "taigu_open"} for user in ("admin", "city_staff")
}
# Files: their bytes are not searched for names (a PDF); the page that lists them is.
FILE_KINDS = {"attachment", "event_attachment"}


def _named_patterns(resolver=None, namespace=None):
    """(name, pattern) for every named URL; for a name that appears twice (format suffixes) the
    first pattern is kept."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from _named_patterns(p, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def url_names() -> list[str]:
    seen = {}
    for name, pattern in _named_patterns():
        seen.setdefault(name, pattern)
    return sorted(seen)


def _kwarg_names(name: str) -> list[str]:
    pattern = dict(_named_patterns())[name]
    return [k for k in pattern.pattern.converters if k != "format"] or list(
        pattern.pattern.regex.groupindex
    )


def _statuses(value) -> set[int]:
    return set(value) if isinstance(value, tuple | list | set) else {value}


def _leaks(body: str, user: str) -> list[str]:
    hidden = ALL - VISIBLE.get(user, set())
    return [MARKERS[v] for v in hidden if MARKERS[v] in body]


def _client(users: dict, username: str) -> Client:
    client = Client()
    if username != ANONYMOUS:
        client.force_login(users[username])
    return client


def _check_anonymous(rule: Rule, url: str, problems: list[str]) -> None:
    response = Client().post(url) if rule.method == "POST" else Client().get(url)
    if rule.anonymous == "login":
        location = response.get("Location", "")
        if response.status_code != 302 or "login" not in location:
            problems.append(f"anonymous {url}: {response.status_code} {location!r}, expected login")
    elif response.status_code not in _statuses(rule.anonymous):
        problems.append(f"anonymous {url}: {response.status_code}, expected {rule.anonymous}")


def _check_plain(name: str, rule: Rule, users: dict, objects: dict, problems: list[str]) -> None:
    if rule.obj is None:
        for kind in ("event", "target", "followup", "funds", "import", "claim"):
            objects[kind]  # a list page: every record that could leak into it exists
        url = reverse(name, kwargs=rule.kwargs) + rule.query
        _check_anonymous(rule, url, problems)
        for user in USERS:
            response = _client(users, user).get(url)
            expected = _statuses(rule.ok) if user in rule.roles else {403}
            if response.status_code not in expected:
                problems.append(f"{user} {url}: {response.status_code}, expected {expected}")
            # A list export streams: its rows are checked for leaks like a page's.
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if leaked := _leaks(body.decode("utf-8-sig", errors="replace"), user):
                problems.append(f"{user} {url}: shows {leaked}")
        return
    (kwarg,) = _kwarg_names(name)
    variants = objects[rule.obj]
    first = next(iter(variants.values()))
    _check_anonymous(rule, reverse(name, kwargs={kwarg: first.pk}), problems)
    for user in USERS:
        client = _client(users, user)
        send = client.post if rule.method == "POST" else client.get
        for variant, obj in variants.items():
            if rule.fresh:  # the request may delete it: a new object for each try
                obj = objects["factories"][rule.obj](variant)
            url = reverse(name, kwargs={kwarg: obj.pk}) + rule.query
            response = send(url)
            visible = variant in VISIBLE_BY_KIND[rule.obj][user]
            writable = not rule.writes or variant in WRITABLE_BY_KIND[rule.obj].get(user, set())
            if user in rule.roles and visible and not writable:
                expected = {403}
            elif user in rule.roles:
                expected = _statuses(rule.ok) if visible else {404}
            else:
                expected = {403} if visible else {403, 404}
            if response.status_code not in expected:
                problems.append(
                    f"{user} {url} ({variant}): {response.status_code}, expected {expected}"
                )
            body = b"" if rule.obj in FILE_KINDS else response.content
            if leaked := _leaks(body.decode(errors="replace"), user):
                problems.append(f"{user} {url} ({variant}): shows {leaked}")


ADMIN_ACTIONS = {
    "changelist": ("view", "change"),
    "history": ("view", "change"),
    "change": ("view", "change"),
    "add": ("add",),
    "delete": ("delete",),
}
ADMIN_SITE_PAGES = {  # name -> (kwargs, status for staff)
    "admin:index": ({}, 200),
    "admin:login": ({}, 302),
    "admin:logout": ({}, 405),  # POST only
    "admin:password_change": ({}, 200),
    "admin:password_change_done": ({}, 200),
    "admin:jsi18n": ({}, 200),
    "admin:autocomplete": ({}, 403),
}
ADMIN_SKIP = {
    "admin:view_on_site": "needs a model with get_absolute_url",
    "admin:auth_user_password_change": "sets another user's password (POST)",
    # django-otp's device admin: the key and QR code of one device (tests/security/test_admin_otp.py)
    "admin:otp_totp_totpdevice_config": "shows one TOTP device's key (django-otp's own view)",
    "admin:otp_totp_totpdevice_qrcode": "one TOTP device's QR code (needs the qrcode package)",
}


def _admin_model_and_action(name: str):
    try:
        app_label, model_name, action = name.removeprefix("admin:").rsplit("_", 2)
    except ValueError:
        return None, None
    for model in admin.site._registry:
        if model._meta.app_label == app_label and model._meta.model_name == model_name:
            return model, action
    return None, None


def _admin_allows(model, action: str, user) -> bool:
    """The user's model permissions, narrowed by what the ModelAdmin itself allows (axes' logs, for
    instance, can never be added by hand)."""
    request = RequestFactory().get("/")
    request.user = user
    model_admin = admin.site._registry[model]
    perms = [f"{model._meta.app_label}.{a}_{model._meta.model_name}" for a in ADMIN_ACTIONS[action]]
    by_admin = {
        "changelist": model_admin.has_view_or_change_permission,
        "history": model_admin.has_view_or_change_permission,
        "change": model_admin.has_view_or_change_permission,
        "add": model_admin.has_add_permission,
        "delete": model_admin.has_delete_permission,
    }[action](request)
    return by_admin and any(user.has_perm(p) for p in perms)


def _check_admin(name: str, users: dict, clients: dict, problems: list[str]) -> None:
    if name in ADMIN_SKIP or name.endswith("_simple_history"):
        return  # one historical record of an object: the object's history list is checked
    if name == "admin:app_list":
        kwargs, staff_status = {"app_label": "core"}, None
    elif name in ADMIN_SITE_PAGES:
        kwargs, staff_status = ADMIN_SITE_PAGES[name]
    else:
        model, action = _admin_model_and_action(name)
        if model is None or action not in ADMIN_ACTIONS:
            problems.append(f"{name}: an admin URL the matrix does not understand")
            return
        kwargs = {}
        if action in ("change", "history", "delete"):
            obj = model._default_manager.order_by("pk").first()
            if obj is None:
                return  # nothing to open; the changelist covers the model
            kwargs = {"object_id": obj.pk}
    url = reverse(name, kwargs=kwargs)
    # Everyone who is not staff is treated alike by the admin; two of them stand for the rest.
    for user in [ANONYMOUS, "yuci_staff", *sorted(STAFF)]:
        response = clients[user].get(url)
        if user not in STAFF:
            expected = 200 if name == "admin:login" else 302
        elif name == "admin:app_list":
            expected = 200
        elif name in ADMIN_SITE_PAGES:
            expected = staff_status
        else:
            expected = 200 if _admin_allows(model, action, users[user]) else 403
        if response.status_code != expected:
            problems.append(f"{user} {url}: {response.status_code}, expected {expected}")


NAMES = url_names()
PAGE_NAMES = [n for n in NAMES if not (rule_for(n) and rule_for(n).admin)]
ADMIN_NAMES = [n for n in NAMES if rule_for(n) and rule_for(n).admin]


def test_every_named_url_has_a_rule():
    missing = [n for n in NAMES if rule_for(n) is None]
    assert not missing, (
        "These URLs have no access rule; add one to tests/security/url_rules.py: "
        + ", ".join(missing)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_url_answers_each_role_as_its_rule_says(name, demo_users, county_objects):
    rule = rule_for(name)
    if rule is None:
        pytest.fail(f"{name} has no rule in tests/security/url_rules.py")
    if rule.skip:
        pytest.skip(rule.skip)
    problems: list[str] = []
    _check_plain(name, rule, demo_users, county_objects, problems)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_admin_pages_answer_staff_by_model_permission_and_send_others_to_login(
    demo_users, county_objects
):
    """One test for the ~80 admin URLs (each model's list, add, change, history, delete)."""
    clients = {u: _client(demo_users, u) for u in [ANONYMOUS, "yuci_staff", *STAFF]}
    problems: list[str] = []
    for name in ADMIN_NAMES:
        _check_admin(name, demo_users, clients, problems)
    assert not problems, "\n".join(problems)
