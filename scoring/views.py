"""Pages: the county scores (/scores/, with what-if weights), the scheme versions, and the archive
of generated 通报 and 提醒函 (/reports/)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scoping import scoped_region_id
from core.periods import Period
from core.permissions import requires
from rollups.models import RegionMonthRollup

from . import selectors, services
from .forms import SchemeForm
from .models import Indicator, ReportDocument
from .periods import (
    elapsed_pct,
    parse_assessment_period,
    period_choices,
    period_key,
    period_query,
    span,
)


def is_person(user) -> bool:
    """Every signed-in person reads the scores (aggregated figures of all regions); an API
    client uses the API."""
    return bool(user.is_authenticated and user.is_active and user.role != Role.API_CLIENT)


reader = requires(is_person, gettext_lazy("The assessment is read on its pages by people."))
city_editor = requires(
    services.can_edit_schemes, gettext_lazy("Only city staff edit the assessment.")
)


def _default_year() -> int:
    """The latest year with figures, but not a future one (planned starts reach ahead)."""
    today = timezone.localdate()
    latest = RegionMonthRollup.objects.aggregate(latest=Max("month"))["latest"]
    return min(latest.year, today.year) if latest else today.year


def _period(request: HttpRequest, default_year: int | None = None) -> Period:
    params = request.POST if request.method == "POST" else request.GET
    return parse_assessment_period(params, default_year=default_year or _default_year())


def _years(latest: int) -> range:
    """The years offered: the latest with figures back to 2023 (the demo's first year)."""
    return range(max(latest, 2023), 2022, -1)


@login_required
@reader
def scores(request: HttpRequest) -> HttpResponse:
    latest = _default_year()
    period = _period(request, latest)
    scheme = selectors.scheme_in_force(period.year)
    weights, weight_errors, baseline = {}, [], None
    what_if = request.GET.get("what_if") == "1" and scheme is not None
    if what_if:
        weights, weight_errors = selectors.parse_weights(request.GET, scheme)
    published = selectors.published_scores(period)
    if weights:
        table = selectors.compute_scores(period, scheme=scheme, weights=weights)
        baseline = published or selectors.compute_scores(period, scheme=scheme)
    else:
        table = published or selectors.compute_scores(period, scheme=scheme)
    before = {row.region_id: row.rank for row in baseline.rows} if baseline else {}
    # A county official reads every county's scores but lists only their own county's projects:
    # another county's figures are shown without a link (it would open an empty list).
    own_region = scoped_region_id(request.user)
    for row in table.rows:
        row.drillable = own_region is None or row.region_id == own_region
        row.rank_before = before.get(row.region_id)
        row.rank_change = (before[row.region_id] - row.rank) if row.region_id in before else 0
    weight_fields = []
    if scheme is not None:
        labels = dict(Indicator.choices)
        for item in (table.scheme or scheme).indicators:
            key = item["key"]
            weight_fields.append(
                {
                    "name": f"w_{key}",
                    "label": labels.get(key, key),
                    "value": request.GET.get(f"w_{key}") or item["weight"],
                    "published": item["weight"],
                }
            )
    header = [cell.label for cell in table.rows[0].cells] if table.rows else []
    return render(
        request,
        "scoring/scores.html",
        {
            "period": period,
            "period_key": period_key(period),
            "span": span(period),
            "elapsed_pct": elapsed_pct(period),
            "table": table,
            "scheme": table.scheme or scheme,
            "header": header,
            "weight_fields": weight_fields,
            "weight_errors": weight_errors,
            "what_if": what_if,
            "changed": bool(weights),
            "years": _years(latest),
            "periods": period_choices(),
            "can_edit": services.can_edit_schemes(request.user),
            "bucket_labels": [label for label, _n, _p in table.rows[0].bucket_counts]
            if table.rows
            else [],
        },
    )


@login_required
@city_editor
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    try:
        services.scores_publish(by=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The scores of %(period)s are published.") % {"period": period.label}
        )
    return redirect(f"{reverse('scoring:scores')}?{urlencode(period_query(period))}")


@login_required
@city_editor
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    kind = request.POST.get("kind")
    if kind == "reminders":
        made = services.reminders_generate(by=request.user, period=period)
        messages.success(request, _("%(n)s reminder letters generated.") % {"n": len(made)})
    else:
        services.bulletin_generate(by=request.user, period=period)
        messages.success(
            request, _("The bulletin of %(period)s was generated.") % {"period": period.label}
        )
    return redirect("scoring:reports")


@login_required
@city_editor
def schemes(request: HttpRequest) -> HttpResponse:
    current = selectors.scheme_versions().first()
    form = SchemeForm(request.POST or None, scheme=current)
    if request.method == "POST" and form.is_valid():
        try:
            scheme = services.scheme_create(by=request.user, **form.scheme_data())
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Scheme version %(v)s saved.") % {"v": scheme.version})
            return redirect("scoring:schemes")
    return render(
        request,
        "scoring/schemes.html",
        {"versions": selectors.scheme_versions(), "form": form},
    )


@login_required
@reader
def reports(request: HttpRequest) -> HttpResponse:
    documents = ReportDocument.objects.select_related("generated_by", "region").defer("content")
    latest = _default_year()
    return render(
        request,
        "scoring/reports.html",
        {
            "documents": documents[:200],
            "periods": period_choices(),
            "years": _years(latest),
            "default_year": latest,
            "can_edit": services.can_edit_schemes(request.user),
        },
    )


@login_required
@reader
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(ReportDocument, pk=pk)
    return docx_response(document)


def docx_response(document: ReportDocument) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(
        bytes(document.content),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="report-{document.pk}.docx"; '
        f"filename*=UTF-8''{quote(document.filename)}"
    )
    return response
