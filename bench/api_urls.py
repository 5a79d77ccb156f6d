"""The site's URLs plus the benchmark's floor: the same project page as one raw SQL query
serialised with orjson inside a plain Django view."""

import orjson
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

# Related names by scalar subqueries on the related row's key: PostgreSQL plans each one table at
# a time, where a five-table join costs 4-8 ms of planning (its search for a join order) against
# ~0.5 ms of execution. The API reads its pages this way (core.api.views_base.page_values).
FLOOR_SQL = """
SELECT p.id, p.name,
       (SELECT r.code FROM core_region r WHERE r.id = p.region_id),
       (SELECT r.name FROM core_region r WHERE r.id = p.region_id),
       p.stage, p.planned_investment::text, p.registered_on,
       p.signed_on, p.started_on, p.producing_on, p.planned_start_on, p.investor_id,
       (SELECT e.name FROM enterprises_enterprise e WHERE e.id = p.investor_id),
       p.park_id,
       (SELECT k.name FROM enterprises_industrialpark k WHERE k.id = p.park_id),
       (SELECT c.code FROM core_industrychain c WHERE c.id = p.chain_id),
       (SELECT c.name FROM core_industrychain c WHERE c.id = p.chain_id),
       (SELECT m.code FROM core_promotionmethod m WHERE m.id = p.method_id),
       (SELECT m.name FROM core_promotionmethod m WHERE m.id = p.method_id),
       p.owner_id, p.is_out_of_province, p.is_foreign, p.updated_at
FROM projects_project p
WHERE NOT p.is_deleted AND p.id < %s {where}
ORDER BY p.id DESC LIMIT 50
"""
# The floor as first written (until 2026-11-28): the same page through five joins.
JOINED_SQL = """
SELECT p.id, p.name, r.code, r.name, p.stage, p.planned_investment::text, p.registered_on,
       p.signed_on, p.started_on, p.producing_on, p.planned_start_on, p.investor_id, e.name,
       p.park_id, k.name, c.code, c.name, m.code, m.name, p.owner_id, p.is_out_of_province,
       p.is_foreign, p.updated_at
FROM projects_project p
JOIN core_region r ON r.id = p.region_id
JOIN enterprises_enterprise e ON e.id = p.investor_id
LEFT JOIN enterprises_industrialpark k ON k.id = p.park_id
LEFT JOIN core_industrychain c ON c.id = p.chain_id
LEFT JOIN core_promotionmethod m ON m.id = p.method_id
WHERE NOT p.is_deleted AND p.id < %s {where}
ORDER BY p.id DESC LIMIT 50
"""
# The API benchmark's filters (region, stage, signed date range) written by hand.
FILTERED = (
    "AND p.region_id = (SELECT id FROM core_region WHERE code = %s) AND p.stage = %s "
    "AND p.signed_on >= %s::date AND p.signed_on <= %s::date"
)
FILTERED_JOINED = (
    "AND r.code = %s AND p.stage = %s AND p.signed_on >= %s::date AND p.signed_on <= %s::date"
)
NAMES = [
    "id", "name", "region", "region_name", "stage", "planned_investment", "registered_on",
    "signed_on", "started_on", "producing_on", "planned_start_on", "investor", "investor_name",
    "park", "park_name", "chain", "chain_name", "method", "method_name", "owner",
    "is_out_of_province", "is_foreign", "updated_at",
]  # fmt: skip


def floor(request):
    params = [int(request.GET.get("before", 2**62))]
    joined = "joins" in request.GET
    where = ""
    if "region" in request.GET:
        where = FILTERED_JOINED if joined else FILTERED
        params += [request.GET[k] for k in ("region", "stage", "signed_from", "signed_to")]
    with connection.cursor() as cursor:
        cursor.execute((JOINED_SQL if joined else FLOOR_SQL).format(where=where), params)
        rows = [dict(zip(NAMES, row, strict=True)) for row in cursor.fetchall()]
    return HttpResponse(orjson.dumps({"results": rows}), content_type="application/json")


urlpatterns = [path("bench/floor/", floor), path("", include("jinzhong_crm.urls"))]
