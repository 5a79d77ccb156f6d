"""Enterprise and park pages. Thin: parse with a form, call a service or a selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.scoping import can_edit
from core.filtersets import sort_words
from core.forms import apply_errors
from savedviews.lists import list_state
from savedviews.models import ListName

from . import selectors, services
from .filtersets import EnterpriseFilterSet
from .forms import ContactForm, EnterpriseForm, YearFiguresForm, new_token
from .models import Enterprise

PAGE_SIZE = 25


def _require_edit(request: HttpRequest, enterprise: Enterprise | None = None) -> None:
    if not services.can_edit_enterprise(request.user, enterprise):
        raise PermissionDenied(_("You may not change this enterprise."))


@login_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    views = list_state(
        request,
        list_name=ListName.ENTERPRISES,
        check=lambda params: EnterpriseFilterSet(params, queryset=Enterprise.objects.none()),
    )
    if views.redirect:
        return redirect(views.redirect)
    params = views.params
    filterset, qs = selectors.enterprise_list(user=request.user, params=params)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    sort_value = params.get("sort", "") if not filterset.errors.get("sort") else ""
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "filterset": filterset,
            "page": page,
            "showing_deleted": params.get("deleted") == "1",
            # The filters and sort in force (a saved view's too), for the export links.
            "export_query": views.query,
            "export_url": reverse("imports:export", args=["enterprises"]),
            "can_create": can_edit(request.user),
            "has_filters": any(
                v for k, v in params.items() if k not in ("page", "sort", "deleted")
            ),
            "views": views,
            "default_sort": "name",
            "sort_value": sort_value,
            "sort_words": sort_words(filterset, sort_value),
        },
    )


@login_required
@require_GET
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Editors may still open a deleted enterprise, to restore it.
    enterprise = selectors.enterprise_get(
        user=request.user, pk=pk, include_deleted=can_edit(request.user)
    )
    context = selectors.enterprise_detail_context(user=request.user, enterprise=enterprise)
    context.update(
        enterprise=enterprise,
        history=selectors.enterprise_history(enterprise=enterprise),
        can_edit=services.can_edit_enterprise(request.user, enterprise),
    )
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    if request.method == "POST":
        form = EnterpriseForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                enterprise = services.enterprise_create(
                    by=request.user,
                    token=form.cleaned_data.get("token"),
                    **form.service_fields(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Enterprise “%(name)s” saved.") % {"name": enterprise})
                return redirect("enterprises:detail", pk=enterprise.pk)
    else:
        form = EnterpriseForm(initial={"token": new_token()}, user=request.user)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": None})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require_edit(request, enterprise)
    if request.method == "POST":
        form = EnterpriseForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.enterprise_update(
                    enterprise=enterprise, by=request.user, **form.service_fields()
                )
            except ValidationError as exc:
                enterprise.refresh_from_db()
                apply_errors(form, exc)
            else:
                messages.success(request, _("Enterprise “%(name)s” saved.") % {"name": enterprise})
                return redirect("enterprises:detail", pk=enterprise.pk)
    else:
        form = EnterpriseForm(initial=EnterpriseForm.initial_for(enterprise), user=request.user)
    return render(
        request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_delete(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require_edit(request, enterprise)
    if request.method == "POST":
        services.enterprise_delete(enterprise=enterprise, by=request.user)
        messages.success(
            request,
            _("Enterprise “%(name)s” deleted. It can be restored from the list of deleted ones.")
            % {"name": enterprise},
        )
        return redirect("enterprises:list")
    projects = selectors.enterprise_projects(user=request.user, enterprise=enterprise)
    return render(
        request,
        "enterprises/enterprise_confirm.html",
        {"enterprise": enterprise, "action": "delete", "project_count": projects.count()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_restore(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk, include_deleted=True)
    _require_edit(request, enterprise)
    if request.method == "POST":
        services.enterprise_restore(enterprise=enterprise, by=request.user)
        messages.success(request, _("Enterprise “%(name)s” restored.") % {"name": enterprise})
        return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request,
        "enterprises/enterprise_confirm.html",
        {"enterprise": enterprise, "action": "restore"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require_edit(request, enterprise)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_add(enterprise=enterprise, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(enterprise_anchor(enterprise, "contacts"))
    return render(
        request,
        "enterprises/sub_form.html",
        {"form": form, "enterprise": enterprise, "title": _("Add a contact")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def year_figures_record(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    _require_edit(request, enterprise)
    if request.method == "POST":
        form = YearFiguresForm(request.POST)
        if form.is_valid():
            try:
                services.year_figures_record(
                    enterprise=enterprise, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Figures for %(year)s saved.") % {"year": form.cleaned_data["year"]},
                )
                return redirect(enterprise_anchor(enterprise, "figures"))
    else:
        initial = {}
        year = request.GET.get("year", "")
        existing = (
            enterprise.year_figures.filter(year=int(year)).first() if year.isdigit() else None
        )
        if existing is not None:
            initial = {
                f: getattr(existing, f)
                for f in ("year", "output_value", "revenue", "profit", "tax", "employees")
            }
        form = YearFiguresForm(initial=initial)
    return render(
        request,
        "enterprises/sub_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "title": _("Record yearly figures"),
            "help": _(
                "Amounts are in 万元; you may also type a unit, e.g. 3.5亿 or 3500万. "
                "Recording a year again corrects it."
            ),
        },
    )


def enterprise_anchor(enterprise: Enterprise, anchor: str) -> str:
    return reverse("enterprises:detail", kwargs={"pk": enterprise.pk}) + f"#{anchor}"


@login_required
@require_GET
def autocomplete(request: HttpRequest) -> JsonResponse:
    """[{id, name, credit_code, region}] for the text typed so far (Chinese, pinyin or initials)."""
    rows = selectors.enterprise_autocomplete(user=request.user, q=request.GET.get("q", ""))
    return JsonResponse(rows, safe=False)


@login_required
@require_GET
def park_list(request: HttpRequest) -> HttpResponse:
    parks = list(selectors.park_list(user=request.user))
    return render(request, "enterprises/park_list.html", {"parks": parks})


@login_required
@require_GET
def park_detail(request: HttpRequest, pk: int) -> HttpResponse:
    park = selectors.park_get(user=request.user, pk=pk)
    context = selectors.park_detail_context(user=request.user, park=park)
    context["park"] = park
    return render(request, "enterprises/park_detail.html", context)
