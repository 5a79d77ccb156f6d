"""/api/v1/rollups/: totals by any of region, chain, method, park, month, quarter for a period."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.renderers import CSVRenderer, XLSXRenderer
from core.api.views_base import JsonErrorsMixin, export_file
from dashboards import reads
from dashboards.periods import period_for
from rollups.models import counted_agreement_kinds

from .serializers import RollupQuerySerializer, RollupResponseSerializer


class RollupView(JsonErrorsMixin, APIView):
    renderer_classes = [
        ORJSONRenderer,
        *APIView.renderer_classes[1:],
        CSVRenderer,
        XLSXRenderer,
    ]

    @extend_schema(
        summary="Totals (汇总)",
        description=(
            "Signed, started, expected-start, funds-in-place and completed-investment totals of the "
            "projects you may see, one row per combination of the `group_by` values. Each measure "
            "counts by its own date: signed by `signed_on`, started by `started_on`, expected start "
            "by `planned_start_on`, funds and completed investment by their month. Signed figures "
            "count only projects whose agreement kind the counting caliber (口径) includes, named in "
            "`signed_caliber` (default: formal contracts only; a project signed without a signing "
            "record counts as a formal contract). Amounts 万元 as decimal strings. "
            "`format=csv|xlsx` for a file."
        ),
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                description="Comma-separated: region, chain, method, park, month, quarter (分组)",
                enum=None,
            ),
            OpenApiParameter("year", OpenApiTypes.INT, description="年份"),
            OpenApiParameter("quarter", OpenApiTypes.INT, description="季度 1-4 (needs year)"),
            OpenApiParameter("month", OpenApiTypes.INT, description="月份 1-12 (needs year)"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="From date, inclusive"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="To date, inclusive"),
            OpenApiParameter(
                "as_locked",
                OpenApiTypes.BOOL,
                description=(
                    "1: months of a locked period (锁定期间) read from its snapshot, as locked; "
                    "`locked` lists those periods and when they were locked"
                ),
            ),
        ],
        responses=RollupResponseSerializer,
        examples=[
            OpenApiExample(
                "2023 Q1, whole city",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "signed_count": 39,
                            "signed_amount": "3566900.000000",
                            "started_count": 0,
                            "started_amount": "0.000000",
                            "expected_start_amount": "357800.000000",
                            "funds_in_place_amount": "0.000000",
                            "completed_investment_amount": "0.000000",
                        }
                    ],
                    "signed_caliber": ["formal"],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        params = {key: request.query_params.get(key) for key in request.query_params}
        params.pop("format", None)
        if "group_by" in request.query_params:
            params["group_by"] = request.query_params.getlist("group_by")
        query = RollupQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        period = period_for(
            year=q.get("year"),
            quarter=q.get("quarter"),
            month=q.get("month"),
            date_from=q.get("from"),
            date_to=q.get("to"),
        )
        used_locks: list = []
        rows = reads.rollup_totals(
            user=request.user,
            group_by=q["group_by"],
            period=period,
            as_locked=q["as_locked"],
            used_locks=used_locks,
        )
        fmt = request.accepted_renderer.format
        if fmt in ("csv", "xlsx"):
            columns = list(rows[0]) if rows else list(reads.MEASURES)
            return export_file(fmt, {c: c for c in columns}, rows, "rollups")
        return Response(
            {
                "count": len(rows),
                "next": None,
                "previous": None,
                "results": rows,
                "signed_caliber": list(counted_agreement_kinds()),
                # What the verified_* figures count, beside the reported ones (issue 21).
                "verified_caliber": _(
                    "Verified: milestones whose evidence a city verifier accepted"
                ),
                # The locked periods read from their snapshots (as_locked=1), "已锁定 于 …".
                "locked": [
                    {
                        "period": lock.label,
                        "start": lock.start.isoformat(),
                        "end": lock.end.isoformat(),
                        "locked_at": lock.locked_at.isoformat(),
                        "label": _("Locked on %(when)s")
                        % {"when": timezone.localtime(lock.locked_at).strftime("%Y-%m-%d %H:%M")},
                    }
                    for lock in used_locks
                ],
            }
        )
