"""Who may open which page: the rule table of the permission-matrix test (test_permission_matrix).

Every named URL of the URL conf must have a rule here, or the matrix test fails: a new page is not
done until someone has said who may see it. Add your page's rule when you add the page.

A rule says, for a GET of the URL:
- `roles`: which demo users may use it (others get 403; an object they cannot see is still 404);
- `obj`: which kind of object the URL's one int/str kwarg names ("project", "enterprise",
  "attachment", …, see OBJECT_KINDS in the test) — then every role is tried on an object of their own
  region, another region's, and a confidential one of another region, and expects 404 where
  accounts.scoping hides it;
- `anonymous`: what a visitor who is not logged in gets ("login": a redirect to the login page);
- `ok`: the status a permitted user gets (200, or 302 for pages that redirect);
- `skip`: a reason, for URLs that cannot be fetched with a plain GET (they still need a rule).
Patterns ending in "*" match by prefix; an exact name wins over a pattern.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
ADMIN = "admin"
CITY_STAFF = "city_staff"
YUCI_STAFF = "yuci_staff"
TAIGU_STAFF = "taigu_staff"
YUCI_OFFICIAL = "yuci_official"
LEADER = "leader"
API_READER = "api_reader"

USERS = [ADMIN, CITY_STAFF, YUCI_STAFF, TAIGU_STAFF, YUCI_OFFICIAL, LEADER, API_READER]
EVERYONE = frozenset(USERS)
EDITORS = frozenset({ADMIN, CITY_STAFF, YUCI_STAFF, TAIGU_STAFF})
CITY_EDITORS = frozenset({ADMIN, CITY_STAFF})
COUNTY_EDITORS = frozenset({YUCI_STAFF, TAIGU_STAFF})  # 督办 answers: the county's
CITY_ADMINS = frozenset({ADMIN})
PEOPLE = EVERYONE - {API_READER}  # pages for people; an API client uses the API


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str] = EVERYONE
    obj: str | None = None
    anonymous: str | int | tuple[int, ...] = "login"
    ok: int | tuple[int, ...] = 200
    skip: str = ""
    query: str = ""  # appended to the URL, e.g. "?q=test"
    writes: bool = False  # a write page: a visible object the user may not change answers 403
    method: str = "GET"  # "POST": sent with no data (the view must not write on an empty form)
    admin: bool = False  # Django admin: status follows the user's model permissions
    kwargs: dict = field(default_factory=dict)  # fixed URL kwargs, e.g. {"kind": "projects"}
    fresh: bool = False  # the request consumes its object (a delete): each try gets a new one
    extra: dict = field(default_factory=dict)


RULES: dict[str, Rule] = {
    # --- foundation ----------------------------------------------------------------------------
    # 503 while the test run has no Celery worker; its body names no record either way.
    "healthz": Rule(anonymous=(200, 503), ok=(200, 503)),
    "healthz_live": Rule(anonymous=200, ok=200),
    "healthz_ready": Rule(anonymous=200, ok=200),
    # Enrolment shows a key to anyone logged in (only administrators are made to use it).
    "otp_setup": Rule(),
    "otp_verify": Rule(ok=302),  # no device yet: sent on to enrolment
    "home": Rule(),
    "favicon": Rule(anonymous=302, ok=302),  # to the hashed static file
    "login": Rule(anonymous=200, ok=302),  # a logged-in user is sent on to the home page
    "logout": Rule(skip="POST only (GET answers 405)"),
    "set_language": Rule(
        skip="POST only; the language switch is tested in tests/e2e/test_login.py"
    ),
    # --- security (this issue) ---------------------------------------------------------------------
    "history": Rule(roles=CITY_ADMINS),
    "attachment_download": Rule(obj="attachment"),
    # --- Django admin: staff only; each model page follows the user's model permissions ------------
    "admin:*": Rule(admin=True),
    # --- global search (header box): every signed-in user, always scoped (tests/search) -------------
    "search:results": Rule(query="?q=jl"),
    "search:suggest": Rule(query="?q=jl"),
    # --- projects (the lead's pages) -----------------------------------------------------------------
    # Reading is for everyone signed in (each sees their own scope); writing for editors.
    "projects:list": Rule(query="?q=MX"),
    # The pipeline board and its columns' next pages: the list's scope and filters.
    "projects:board": Rule(query="?q=MX"),
    "projects:board_column": Rule(query="?col=lead&offset=0"),
    # The board's move dialog (the stage form; a forward move to 签约 redirects to the signing form).
    "projects:move": Rule(roles=EDITORS, obj="project", writes=True, query="?to=dropped"),
    "projects:detail": Rule(obj="project"),
    "projects:edit": Rule(roles=EDITORS, obj="project", writes=True),
    "projects:new": Rule(roles=EDITORS),
    # Whether the typed investor is a known enterprise (enterprises are read city-wide).
    "projects:investor_status": Rule(query="?investor_name=MX"),
    "projects:deleted": Rule(roles=EDITORS),
    "projects:conflicts": Rule(),
    # --- 亮灯 and 督办 (issue 20): rules are city staff's page; 督办 items follow their project ---
    "lights:rules": Rule(roles=CITY_EDITORS),
    # --- county assessment: every person reads scores and the 通报 archive; city editors edit ---
    "scoring:scores": Rule(roles=PEOPLE, query="?year=2023&period=q1"),
    "scoring:publish": Rule(skip="POST only; city editors, tested in tests/scoring"),
    "scoring:schemes": Rule(roles=CITY_EDITORS),
    "scoring:reports": Rule(roles=PEOPLE),
    "scoring:generate": Rule(skip="POST only; city editors, tested in tests/scoring"),
    "scoring:report_download": Rule(roles=PEOPLE, obj="report_document"),
    "lights:rule_edit": Rule(roles=CITY_EDITORS, kwargs={"series": 1}),
    "lights:rule_retire": Rule(skip="POST only; tested in tests/lights/test_pages.py"),
    "lights:supervision_list": Rule(query="?status=open"),
    "lights:supervision_detail": Rule(obj="supervision"),
    "lights:supervision_open": Rule(roles=CITY_EDITORS, obj="project"),
    "lights:supervision_answer": Rule(skip="POST with an answer; tested in tests/lights"),
    "lights:supervision_review": Rule(skip="POST with a decision; tested in tests/lights"),
    # The bell's page: the person's own notices, scoped like the records they name.
    "notifications:inbox": Rule(),
    "notifications:unread": Rule(),
    "notifications:settings": Rule(skip="POST only; tested in tests/notifications"),
    "notifications:robots": Rule(roles=CITY_EDITORS),
    # No robot of that number: city staff get 404 (not found), everyone else 403 first.
    "notifications:robot_edit": Rule(roles=CITY_EDITORS, kwargs={"pk": 999999}, ok=404),
    "notifications:robot_delete": Rule(skip="POST only; tested in tests/notifications"),
    "notifications:calendar": Rule(),
    # The iCalendar feed: the token is the credential; an unknown one is not found for anyone.
    "notifications:ical": Rule(kwargs={"token": "no-such-token"}, anonymous=404, ok=404),
    "projects:delete": Rule(roles=EDITORS, obj="project", writes=True),  # GET: confirmation
    # POST-only forms, sent empty: editors get the form back with errors (or a redirect), others
    # 403, and a project out of scope 404 — nothing is written.
    "projects:stage": Rule(roles=EDITORS, obj="project", method="POST", ok=(200, 302, 400)),
    "projects:followup": Rule(roles=EDITORS, obj="project", method="POST", ok=(200, 302, 400)),
    "projects:money": Rule(roles=EDITORS, obj="project", method="POST", ok=(200, 302, 400)),
    # --- enterprises and parks (read by everyone; written by their region) ---------------------
    "enterprises:list": Rule(query="?q=MX"),
    "enterprises:autocomplete": Rule(query="?q=MX"),
    "enterprises:create": Rule(roles=EDITORS),
    "enterprises:detail": Rule(obj="enterprise"),
    "enterprises:edit": Rule(roles=EDITORS, obj="enterprise", writes=True),
    "enterprises:delete": Rule(roles=EDITORS, obj="enterprise", writes=True),
    "enterprises:restore": Rule(roles=EDITORS, obj="enterprise", writes=True),
    "enterprises:contact_add": Rule(roles=EDITORS, obj="enterprise", writes=True),
    "enterprises:figures_record": Rule(roles=EDITORS, obj="enterprise", writes=True),
    "enterprises:park_list": Rule(),
    "enterprises:park_detail": Rule(obj="park"),
    # --- REST API: every operation of the schema has its own rule in api_rules.py, driven with each
    # user's token by test_api_matrix.py (own / other / confidential objects, no foreign names).
    "v1:*": Rule(
        skip="API operation: its rule is in api_rules.py (test_api_matrix, from the schema)"
    ),
    # The schema and its offline docs: for signed-in users and API clients, not for visitors.
    "api-docs": Rule(anonymous=(401, 403)),
    "api-redoc": Rule(anonymous=(401, 403)),
    "api-schema": Rule(anonymous=(401, 403)),
    "profile": Rule(roles=PEOPLE | {API_READER}),
    "token_revoke": Rule(skip="POST only; tested in tests/api"),
    # --- dashboards: aggregated figures of every region are readable by every signed-in user ---------
    "dashboards:city": Rule(query="?year=2023"),
    "dashboards:status": Rule(),
    "dashboards:export_city": Rule(query="?year=2023"),
    "dashboards:refresh": Rule(
        skip="POST only; editors 200, others 403: tests/dashboards/test_views.py"
    ),
    # Targets are aggregate figures every signed-in user reads; only city admin / staff may POST
    # (others 403, bad input 400 with nothing saved): tests/dashboards/test_sections.py.
    "dashboards:targets": Rule(query="?year=2023"),
    # Any county's figures are everyone's (aggregates); its drill-down links lead to scoped lists.
    "dashboards:county": Rule(kwargs={"code": "140703"}, query="?year=2023"),
    "dashboards:export_county": Rule(kwargs={"code": "140703"}, query="?year=2023"),
    # --- events (issue 4): events are public news, read by everyone signed in; their organising
    # region (and city editors) write them. Signings of projects the user may not see are masked.
    # POST-only forms, sent empty: the editor gets a redirect with an error message, nothing is written.
    "events:list": Rule(),
    "events:stats": Rule(),
    "events:new": Rule(roles=EDITORS),
    "events:detail": Rule(obj="event"),
    "events:edit": Rule(roles=EDITORS, obj="event", writes=True),
    "events:signings": Rule(roles=EDITORS, obj="event", writes=True),
    # Signing one project from its page: whoever may change the project.
    "events:signing_new": Rule(roles=EDITORS, obj="project", writes=True),
    "events:attachment_upload": Rule(
        roles=EDITORS, obj="event", writes=True, method="POST", ok=302
    ),
    "events:agreement_add": Rule(roles=EDITORS, obj="event", writes=True, method="POST", ok=302),
    "events:batch": Rule(roles=EDITORS, obj="event", writes=True, method="POST", ok=302),
    "events:attachment_delete": Rule(
        roles=EDITORS, obj="event_attachment", writes=True, method="POST", ok=302, fresh=True
    ),
    # --- evidence and verification (issue 21): the queue is city verifiers' (city staff and the
    # administrator by role); a claim and a project's evidence page follow the project's scope.
    "verification:queue": Rule(roles=CITY_EDITORS),
    "verification:detail": Rule(obj="claim"),
    "verification:project": Rule(obj="project"),
    "verification:verify": Rule(skip="POST with a decision; tested in tests/verification"),
    "verification:return": Rule(skip="POST with a decision; tested in tests/verification"),
    "verification:resubmit": Rule(skip="POST only; tested in tests/verification"),
    "verification:upload": Rule(skip="POST with a file; tested in tests/verification"),
    "verification:file_delete": Rule(skip="POST only; tested in tests/verification"),
    # Locked periods: city staff lock (and the administrator); their pages are theirs only.
    "verification:locks": Rule(roles=CITY_EDITORS),
    "verification:lock_detail": Rule(roles=CITY_EDITORS, obj="lock"),
    "verification:lock_unlock": Rule(
        skip="POST with a reason (the administrator only); tested in tests/verification"
    ),
    # --- industry chains (issue 9): city-wide planning data read by everyone; links and indicators
    # are kept by city staff, targets by every editor; projects on the map follow accounts.scoping.
    "chains:list": Rule(),
    "chains:detail": Rule(obj="chain"),
    "chains:links": Rule(roles=CITY_EDITORS, obj="chain"),
    "chains:indicator_reading": Rule(roles=CITY_EDITORS, obj="chain", method="POST", ok=302),
    "chains:targets": Rule(obj="chain"),
    "chains:target_status": Rule(roles=EDITORS, obj="target", method="POST", ok=302),
    "chains:target_convert": Rule(roles=EDITORS, obj="target", ok=(200, 302)),
    "chains:leader": Rule(obj="enterprise"),
    # --- ledger imports (issue 8): a batch is seen by its uploader and city administrators only.
    # Confirm / rollback sent on a batch with an error row: a redirect, nothing imported.
    "imports:index": Rule(roles=EDITORS),
    "imports:export": Rule(kwargs={"kind": "projects"}, query="?format=csv"),
    "imports:template": Rule(kwargs={"kind": "projects"}),
    "imports:batch": Rule(obj="import"),
    "imports:status": Rule(obj="import"),
    "imports:confirm": Rule(roles=EDITORS, obj="import", method="POST", ok=302),
    "imports:rollback": Rule(roles=EDITORS, obj="import", method="POST", ok=302),
    # --- list ergonomics and saved views (issue 23) ---------------------------------------------
    # A row's quick actions on /projects/ (htmx): the row itself is read by whoever sees the
    # project; the follow-up and stage panels are forms for whoever may change it.
    "projects:quick_row": Rule(obj="project"),
    "projects:quick_followup": Rule(roles=EDITORS, obj="project", writes=True),
    "projects:quick_stage": Rule(roles=EDITORS, obj="project", writes=True),
    # Saving a view is POST only (a plain page's GET answers 405 to everyone signed in); what a
    # POST saves, and for whom, is tested in tests/savedviews.
    "savedviews:create": Rule(method="POST", ok=405),
    # A view is seen by its owner, its region (when shared so) or everyone (shared with the city);
    # renaming, re-sharing and deleting are the owner's; anyone who sees it may make it their
    # default (an empty POST changes nothing).
    "savedviews:default": Rule(obj="savedview", method="POST", ok=302),
    "savedviews:edit": Rule(obj="savedview", method="POST", ok=302, writes=True),
    "savedviews:delete": Rule(obj="savedview", writes=True),  # GET: confirmation
    "projects:restore": Rule(
        skip="POST on a deleted project; scoped by deleted_project_get, tested in tests/projects"
    ),
    "projects:conflict_decide": Rule(
        skip="POST on a claim conflict; scoped by open_conflicts, tested in tests/projects"
    ),
}


def rule_for(name: str) -> Rule | None:
    if name in RULES:
        return RULES[name]
    matches = [k for k in RULES if k.endswith("*") and name.startswith(k[:-1])]
    return RULES[max(matches, key=len)] if matches else None
