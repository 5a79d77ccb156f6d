"""Who may call which API operation: the rule table of the API permission matrix (test_api_matrix).

The operations come from the OpenAPI schema (drf-spectacular), so every operation needs a rule here,
keyed by its operationId, or the matrix fails with "add a rule for <operationId>". One line each:

    "v1_things_retrieve": Op(obj="thing"),

An `Op` says, for one call of the operation with an empty body:
- `roles`: which demo users may call it (others get 403; an object they cannot see is still 404);
- `obj`: which kind of object the path parameter names ("project", "enterprise", "followup", …: the
  kinds of tests/security/conftest.py plus the reference kinds of test_api_matrix.API_KINDS); every
  role is then tried on its own region's object, another region's, and a confidential one;
- `writes`: a write operation: a visible object the user may not change answers 403;
- `ok`: the status a permitted caller gets (a write sent empty: 400, nothing written);
- `anonymous`: the status without credentials (401: the API asks for a token);
- `query`: appended to the URL; `skip`: a reason, for an operation that cannot be called this way.

Every caller authenticates with a token of its own (tests/security/test_api_matrix.py), and no body
may contain the name of a project the caller may not see.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.security.url_rules import CITY_EDITORS, COUNTY_EDITORS, EDITORS, EVERYONE


@dataclass(frozen=True)
class Op:
    roles: frozenset[str] = EVERYONE
    obj: str | None = None
    writes: bool = False
    ok: int | tuple[int, ...] = 200
    anonymous: int | tuple[int, ...] = 401
    query: str = ""
    skip: str = ""


WRITE = {"roles": EDITORS, "ok": 400}  # a create sent empty: editors 400, other roles 403
UPDATE = {"roles": EDITORS, "writes": True, "ok": (200, 400)}  # PATCH {} may be a no-op 200

API_RULES: dict[str, Op] = {
    # --- authentication: the token endpoint takes a username and password (empty: 400)
    "v1_auth_token_create": Op(anonymous=400, ok=400),
    "v1_auth_token_destroy": Op(ok=204),  # revokes the caller's own token
    # --- reference data: read by every caller
    "v1_regions_list": Op(),
    "v1_regions_retrieve": Op(obj="region"),
    "v1_industry_chains_list": Op(),
    "v1_industry_chains_retrieve": Op(obj="chain"),
    "v1_chain_links_list": Op(),
    "v1_chain_links_retrieve": Op(obj="chain_link"),
    "v1_promotion_methods_list": Op(),
    "v1_promotion_methods_retrieve": Op(obj="promotion_method"),
    # --- enterprises and parks: public facts, written by their region's editors
    "v1_enterprises_list": Op(),
    "v1_enterprises_create": Op(**WRITE),
    "v1_enterprises_retrieve": Op(obj="enterprise"),
    "v1_enterprises_update": Op(obj="enterprise", **UPDATE),
    "v1_enterprises_partial_update": Op(obj="enterprise", **UPDATE),
    "v1_parks_list": Op(),
    "v1_parks_retrieve": Op(obj="park"),
    # --- projects and their records: scoped by accounts.scoping (404 across counties)
    "v1_projects_list": Op(),
    "v1_projects_create": Op(**WRITE),
    "v1_projects_retrieve": Op(obj="project"),
    "v1_projects_update": Op(obj="project", **UPDATE),
    "v1_projects_partial_update": Op(obj="project", **UPDATE),
    "v1_projects_advance_create": Op(obj="project", roles=EDITORS, writes=True, ok=400),
    "v1_follow_ups_list": Op(),
    "v1_follow_ups_create": Op(**WRITE),
    "v1_follow_ups_retrieve": Op(obj="followup"),
    "v1_funds_in_place_list": Op(),
    "v1_funds_in_place_create": Op(**WRITE),
    "v1_funds_in_place_retrieve": Op(obj="funds"),
    # --- 督办 items follow their project's scope; county staff answer, city staff close / return
    "v1_supervision_items_list": Op(),
    "v1_supervision_items_retrieve": Op(obj="supervision"),
    "v1_supervision_items_answer_create": Op(
        obj="supervision", roles=COUNTY_EDITORS, writes=True, ok=400
    ),
    "v1_supervision_items_close_create": Op(obj="supervision", roles=CITY_EDITORS, ok=400),
    "v1_supervision_items_return_create": Op(obj="supervision", roles=CITY_EDITORS, ok=400),
    # Light rules: city-wide settings, read by every caller.
    "v1_light_rules_list": Op(),
    # --- generated 通报 / 提醒函: every caller reads the city-wide archive
    "v1_reports_list": Op(),
    "v1_reports_retrieve": Op(obj="report_document"),
    "v1_reports_download_retrieve": Op(obj="report_document"),
    # --- milestone evidence (issue 21): read as its project; uploads by the project's editors
    "v1_milestone_evidence_list": Op(),
    "v1_milestone_evidence_retrieve": Op(obj="claim"),
    # multipart only: the matrix's empty JSON body is refused as unsupported (415), nothing saved
    "v1_milestone_evidence_upload_create": Op(roles=EDITORS, ok=415),
    "v1_light_rules_retrieve": Op(obj="light_rule"),
    # --- events (public news), their signings (scoped by the project) and orders / agreements
    "v1_events_list": Op(),
    "v1_events_create": Op(**WRITE),
    "v1_events_retrieve": Op(obj="event"),
    "v1_events_update": Op(obj="event", **UPDATE),
    "v1_events_partial_update": Op(obj="event", **UPDATE),
    "v1_signings_list": Op(),
    "v1_signings_create": Op(**WRITE),
    "v1_signings_retrieve": Op(obj="signing"),
    "v1_signings_update": Op(obj="signing", **UPDATE),
    "v1_signings_partial_update": Op(obj="signing", **UPDATE),
    "v1_agreements_list": Op(),
    "v1_agreements_create": Op(**WRITE),
    "v1_agreements_retrieve": Op(obj="agreement"),
    # --- region targets: read by all, set by city editors only
    "v1_targets_list": Op(),
    "v1_targets_create": Op(roles=CITY_EDITORS, ok=400),
    "v1_targets_retrieve": Op(obj="region_target"),
    "v1_targets_update": Op(obj="region_target", roles=CITY_EDITORS, writes=True, ok=(200, 400)),
    "v1_targets_partial_update": Op(
        obj="region_target", roles=CITY_EDITORS, writes=True, ok=(200, 400)
    ),
    # --- aggregated figures: every caller reads every region's totals
    "v1_rollups_retrieve": Op(query="?year=2023"),
}
