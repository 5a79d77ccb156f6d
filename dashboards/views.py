"""City and county dashboards, their status / refresh, and the xlsx export. Thin: the figures come
from dashboards.selectors."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import LOCK_PERIOD, role_grants
from accounts.scoping import can_edit
from core.models import Region
from rollups.services import request_rebuild
from targets.models import Target
from targets.services import can_set_targets, targets_set_year

from . import selectors
from .export import dashboard_workbook
from .forms import TargetFormSet, TargetRowForm
from .periods import parse_period, period_query
from .sections import sections
from .selectors import CITY_CODE

REBUILD_COOLDOWN_SECONDS = 120


def _context(request: HttpRequest, region: Region | None, regions: list[Region]) -> dict:
    """The page's context. Its reads, each once (tests/dashboards/test_page_queries.py counts them):
    `regions` (all_regions, read by the view), the rollups and targets (dashboard_data), the
    sections (sections.sections, given the regions and the caliber read by dashboard_data), the
    county ranking's year-to-date sums. Who may do what comes from the user already loaded (its
    role), never from the permission tables."""
    user = request.user
    # The header names the user's region: taken from the regions read, not read again.
    if user.region_id is not None:
        own = next((r for r in regions if r.pk == user.region_id), None)
        if own is not None:
            user.region = own
    # The default year reads the rollups: asked only when the URL names no year.
    period = parse_period(request.GET, default_year=selectors.default_year)
    data = selectors.dashboard_data(period=period, region=region, regions=regions)
    data.update(
        sections(
            period=period,
            region=region,
            user=user,
            regions=regions,
            kinds=data["status"]["signed_caliber"],
        )
    )
    # 晋中市 is the whole city, never a row among the counties (DESIGN.md, "Counting caliber").
    data["ranking"] = [r for r in data["ranking"] if r["code"] != CITY_CODE]
    rank_by = request.GET.get("rank")
    data["rank_by"] = rank_by if rank_by in selectors.RANK_BY else selectors.RANK_BY[0]
    data["county_ranking"] = selectors.county_ranking(data=data, rank_by=data["rank_by"])
    # The leader's ranking shows each county's 超时限未开工 count beside its figures.
    lights = {card["code"]: card for card in data.pop("all_light_cards")}
    for row in data["county_ranking"]:
        card = lights.get(row["code"], {})
        row["light_red"] = card.get("red", 0)
        row["light_red_url"] = card.get("red_url")
    data["has_locked"] = bool(selectors.guard_links(data, request.user))
    data["LOCKED"] = selectors.LOCKED
    data["charts"] = selectors.chart_data(data)
    data["charts"]["map"] = {
        "enabled": settings.SHOW_COUNTY_MAP,
        "geojson": static("geo/jinzhong_counties.geojson"),
        "name": "jinzhong",
    }
    query = period_query(period)
    data["query"] = urlencode(query)
    data["rank_queries"] = {key: urlencode({**query, "rank": key}) for key in selectors.RANK_BY}
    data["year_choices"] = list(range(timezone.localdate().year, 2019, -1))
    data["quarter_selected"] = query.get("quarter", "")
    data["quarter_choices"] = ["1", "2", "3", "4"]
    data["month_choices"] = list(range(1, 13))
    data["show_map"] = settings.SHOW_COUNTY_MAP
    data["can_refresh"] = can_edit(user)
    # The "Locked periods" button: the role grants locking (accounts.permissions.ROLE_EXTRA),
    # answered from the user in hand; the locks page itself still asks has_perm.
    data["can_lock"] = data["can_refresh"] and role_grants(user, LOCK_PERIOD)
    data["can_set_targets"] = can_set_targets(user)
    return data


@login_required
def city(request: HttpRequest) -> HttpResponse:
    regions = selectors.all_regions()
    return render(request, "dashboards/dashboard.html", _context(request, None, regions))


@login_required
def county(request: HttpRequest, code: str) -> HttpResponse:
    regions = selectors.all_regions()
    region = next((r for r in regions if r.code == code), None)
    if region is None:
        raise Http404
    if region.code == CITY_CODE:
        return render(request, "dashboards/dashboard.html", _context(request, None, regions))
    return render(request, "dashboards/dashboard.html", _context(request, region, regions))


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
    data.update(sections(period=period, region=region, user=request.user))
    data["ranking"] = [r for r in data["ranking"] if r["code"] != CITY_CODE]
    buffer = io.BytesIO()
    dashboard_workbook(data).save(buffer)
    name = (
        f"dashboard-{region.code if region else 'city'}-{'-'.join(period_query(period).values())}"
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


TARGET_FIGURES = TargetRowForm.FIGURES


def _target_year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    """The year's targets, one row per region. Every signed-in user reads them (they are the
    aggregate figures the dashboards measure against); city administrators and staff edit them."""
    year = _target_year(request)
    may_edit = can_set_targets(request.user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("Only city staff set targets."))
    regions = list(Region.objects.order_by("sort_order", "code"))
    existing = {t.region_id: t for t in Target.objects.filter(year=year)}
    initial = [
        {
            "region": r.code,
            **{f: getattr(existing[r.pk], f) for f in TARGET_FIGURES if r.pk in existing},
        }
        for r in regions
    ]
    if request.method == "POST":
        formset = TargetFormSet(request.POST, initial=initial, prefix="t")
        if formset.is_valid():
            try:
                saved = targets_set_year(
                    by=request.user, year=year, rows=[f.cleaned_data for f in formset.forms]
                )
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)
            else:
                messages.success(
                    request,
                    _("Targets for %(year)s saved (%(count)s regions changed).")
                    % {"year": year, "count": len(saved)},
                )
                return redirect(f"{request.path}?year={year}")
    else:
        formset = TargetFormSet(initial=initial, prefix="t")
    by_code = {r.code: r for r in regions}
    rows = [
        {
            "region": by_code.get(str(form["region"].value())),
            "form": form,
            "target": existing.get(getattr(by_code.get(str(form["region"].value())), "pk", None)),
        }
        for form in formset.forms
    ]
    # The counties' sum, beside the city's own row (the dashboards use the city row when set).
    city_ids = {r.pk for r in regions if r.code == CITY_CODE}
    totals = {
        f: sum((getattr(t, f) or 0 for t in existing.values() if t.region_id not in city_ids), 0)
        for f in TARGET_FIGURES
    }
    return render(
        request,
        "dashboards/targets.html",
        {
            "year": year,
            "year_choices": list(range(timezone.localdate().year + 1, 2019, -1)),
            "formset": formset,
            "rows": rows,
            "may_edit": may_edit,
            "totals": totals,
            "city_code": CITY_CODE,
        },
        status=400 if request.method == "POST" else 200,
    )
