"""City and county dashboards, their status / refresh, and the xlsx export. Thin: the figures come
from dashboards.selectors."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import Region
from core.scoping import can_edit
from rollups.services import request_rebuild

from . import selectors
from .export import dashboard_workbook
from .periods import parse_period
from .selectors import CITY_CODE

REBUILD_COOLDOWN_SECONDS = 120


def _context(request: HttpRequest, region: Region | None) -> dict:
    period = parse_period(request.GET, default_year=selectors.default_year())
    data = selectors.dashboard_data(period=period, region=region)
    data["charts"] = selectors.chart_data(data)
    data["charts"]["map"] = {
        "enabled": settings.SHOW_COUNTY_MAP,
        "geojson": static("geo/jinzhong_counties.geojson"),
        "name": "jinzhong",
    }
    data["query"] = urlencode(period.query())
    data["year_choices"] = list(range(timezone.localdate().year, 2019, -1))
    data["quarter_selected"] = period.query().get("quarter", "") if period.kind == "quarter" else ""
    data["quarter_choices"] = ["1", "2", "3", "4"]
    data["month_choices"] = list(range(1, 13))
    data["regions"] = Region.objects.exclude(code=CITY_CODE)
    data["show_map"] = settings.SHOW_COUNTY_MAP
    data["can_refresh"] = can_edit(request.user)
    return data


@login_required
def city(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/dashboard.html", _context(request, None))


@login_required
def county(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    if region.code == CITY_CODE:
        return city(request)
    return render(request, "dashboards/dashboard.html", _context(request, region))


@login_required
def status(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/_status.html", {"status": selectors.rollup_status()})


@login_required
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Ask for a full recompute; the status fragment then polls until it is done."""
    if not can_edit(request.user):
        raise PermissionDenied(_("Your role may not start a recompute."))
    current = selectors.rollup_status()
    if not current["rebuilding"]:
        request_rebuild()
    return render(request, "dashboards/_status.html", {"status": selectors.rollup_status()})


@login_required
def export(request: HttpRequest, code: str | None = None) -> HttpResponse:
    region = get_object_or_404(Region, code=code) if code else None
    period = parse_period(request.GET, default_year=selectors.default_year())
    data = selectors.dashboard_data(period=period, region=region)
    buffer = io.BytesIO()
    dashboard_workbook(data).save(buffer)
    name = f"dashboard-{region.code if region else 'city'}-{'-'.join(period.query().values())}"
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
