"""The site's URLs plus the benchmark's floors, each a plain Django view running hand-written SQL:
- /bench/floor/: the API's project page (50 rows, newest id first) serialised with orjson; with
  `count`, also the page-number pages' count (up to 10,001 rows, as the API counts);
- /bench/floor/html/: what /projects/ shows — the totals (count and planned investment, counted
  up to 10,001 rows like the page) and the page's 25 rows with their names — serialised with orjson;
- /bench/floor/board/: what /projects/board/ shows — per stage the same capped totals and its first
  50 cards with their names, in two statements (a LATERAL subquery per stage) — with orjson;
- /bench/naive/: the naive peer of the API's list, for context: what a plain DRF list of the same
  rows looks like (a ModelSerializer with the names by `source=`, select_related, DRF's
  PageNumberPagination with its exact COUNT(*)), with the same token, throttles and scoping.
"""

import orjson
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from rest_framework import generics, pagination, serializers

from accounts.scoping import scope_projects
from projects.models import Project

# Related names by scalar subqueries on the related row's key: PostgreSQL plans each one table at
# a time, where a five-table join costs more planning (its search for a join order). The fastest
# raw SQL found for this page; the API itself reads the page with the ORM's joins.
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
# The same page through five joins, as the ORM writes it.
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


# A page-number page's count, as the API's (core.pagination.capped_totals): up to 10,001 rows.
FLOOR_COUNT = """
SELECT count(*) FROM (SELECT 1 FROM projects_project p WHERE NOT p.is_deleted {where} LIMIT 10001) t
"""


def floor(request):
    params = [int(request.GET.get("before", 2**62))]
    joined = "joins" in request.GET
    where = ""
    if "region" in request.GET:
        where = FILTERED_JOINED if joined else FILTERED
        params += [request.GET[k] for k in ("region", "stage", "signed_from", "signed_to")]
    body = {}
    with connection.cursor() as cursor:
        if "count" in request.GET:  # page numbers: the page's count, as the API answers it
            cursor.execute(FLOOR_COUNT.format(where=FILTERED if where else ""), params[1:])
            body["count"] = min(cursor.fetchone()[0], 10_000)
        cursor.execute((JOINED_SQL if joined else FLOOR_SQL).format(where=where), params)
        body["results"] = [dict(zip(NAMES, row, strict=True)) for row in cursor.fetchall()]
    return HttpResponse(orjson.dumps(body), content_type="application/json")


# /projects/: the totals over at most 10,001 matching rows, then the page's rows with their names.
HTML_TOTALS = """
SELECT count(*), sum(planned_investment) FROM (
    SELECT p.planned_investment FROM projects_project p {join}
    WHERE NOT p.is_deleted {where} LIMIT 10001) t
"""
HTML_PAGE = """
SELECT p.id, p.name, p.is_confidential, p.late_entry, p.stage, p.planned_investment::text,
       p.signed_on, e.name, r.name, c.name
FROM projects_project p
JOIN core_region r ON r.id = p.region_id
JOIN enterprises_enterprise e ON e.id = p.investor_id
LEFT JOIN core_industrychain c ON c.id = p.chain_id
WHERE NOT p.is_deleted {where}
ORDER BY {order} LIMIT 25 OFFSET %s
"""
HTML_NAMES = [
    "id", "name", "is_confidential", "late_entry", "stage", "planned_investment", "signed_on",
    "investor_name", "region_name", "chain_name",
]  # fmt: skip
SEARCH = "AND (p.name ILIKE %s OR e.name ILIKE %s OR p.notes ILIKE %s)"


def html_floor(request):
    where, params = "", []
    if "region" in request.GET:
        where = FILTERED
        params = [request.GET[k] for k in ("region", "stage", "signed_from", "signed_to")]
    join = ""
    if "q" in request.GET:
        where = SEARCH
        params = [f"%{request.GET['q']}%"] * 3
        join = "JOIN enterprises_enterprise e ON e.id = p.investor_id"
    order = "p.registered_on DESC, p.id DESC"
    if request.GET.get("sort") == "-amount":
        order = "p.planned_investment DESC, p.id DESC"
    offset = (int(request.GET.get("page", 1)) - 1) * 25
    with connection.cursor() as cursor:
        cursor.execute(HTML_TOTALS.format(join=join, where=where), params)
        count, amount = cursor.fetchone()
        cursor.execute(HTML_PAGE.format(where=where, order=order), [*params, offset])
        rows = [dict(zip(HTML_NAMES, row, strict=True)) for row in cursor.fetchall()]
    body = {"count": count, "amount": str(amount), "results": rows}
    return HttpResponse(orjson.dumps(body), content_type="application/json")


# /projects/board/: per stage the totals over at most 10,001 matching rows, and its first 50 cards.
BOARD_STAGES = ["lead", "negotiating", "signed", "started", "producing", "at_capacity", "dropped"]
BOARD_TOTALS = """
SELECT s.stage, t.n, t.amount FROM unnest(%s::text[]) s(stage) CROSS JOIN LATERAL (
    SELECT count(*) n, sum(planned_investment) amount FROM (
        SELECT p.planned_investment FROM projects_project p
        WHERE NOT p.is_deleted AND p.stage = s.stage {where} LIMIT 10001) x) t
"""
BOARD_CARDS = """
SELECT s.stage, c.* FROM unnest(%s::text[]) s(stage) CROSS JOIN LATERAL (
    SELECT p.id, p.name, p.is_confidential, p.planned_investment::text, p.light, e.name,
           r.name, u.username, u.last_name, u.first_name
    FROM projects_project p
    JOIN core_region r ON r.id = p.region_id
    JOIN enterprises_enterprise e ON e.id = p.investor_id
    LEFT JOIN accounts_user u ON u.id = p.owner_id
    WHERE NOT p.is_deleted AND p.stage = s.stage {where}
    ORDER BY p.registered_on DESC, p.id DESC LIMIT 50) c
"""
BOARD_NAMES = [
    "stage", "id", "name", "is_confidential", "planned_investment", "light", "investor_name",
    "region_name", "owner", "owner_last_name", "owner_first_name",
]  # fmt: skip


def board_floor(request):
    where, params = "", []
    if "region" in request.GET:
        where = "AND p.region_id = (SELECT id FROM core_region WHERE code = %s)"
        params = [request.GET["region"]]
    with connection.cursor() as cursor:
        cursor.execute(BOARD_TOTALS.format(where=where), [BOARD_STAGES, *params])
        totals = {stage: {"count": n, "amount": str(amount)} for stage, n, amount in cursor}
        cursor.execute(BOARD_CARDS.format(where=where), [BOARD_STAGES, *params])
        cards = [dict(zip(BOARD_NAMES, row, strict=True)) for row in cursor.fetchall()]
    body = {"totals": totals, "cards": cards}
    return HttpResponse(orjson.dumps(body), content_type="application/json")


class NaiveProjectSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    investor_name = serializers.CharField(source="investor.name")
    park_name = serializers.CharField(source="park.name", default=None)
    chain = serializers.CharField(source="chain.code", default=None)
    chain_name = serializers.CharField(source="chain.name", default=None)
    method = serializers.CharField(source="method.code", default=None)
    method_name = serializers.CharField(source="method.name", default=None)

    class Meta:
        model = Project
        fields = NAMES


class NaivePages(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"


class NaiveProjectList(generics.ListAPIView):
    serializer_class = NaiveProjectSerializer
    pagination_class = NaivePages
    filter_backends = []

    def get_queryset(self):
        projects = Project.objects.select_related("region", "investor", "park", "chain", "method")
        return scope_projects(projects, self.request.user).order_by("-id")


urlpatterns = [
    path("bench/naive/", NaiveProjectList.as_view()),
    path("bench/floor/", floor),
    path("bench/floor/html/", html_floor),
    path("bench/floor/board/", board_floor),
    path("", include("jinzhong_crm.urls")),
]
