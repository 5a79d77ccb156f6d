"""Thin views over chains.selectors (reads) and chains.services (writes)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.scoping import can_edit
from core.models import IndustryChain
from enterprises.models import Enterprise

from . import selectors, services
from .forms import (
    ChainLinkFormSet,
    ConvertForm,
    MapFilterForm,
    ReadingForm,
    TargetForm,
    TargetStatusForm,
)
from .models import ChainTarget


def _is_city_staff(user) -> bool:
    return user.is_superuser or user.role in (Role.CITY_ADMIN, Role.CITY_STAFF)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def chain_list(request: HttpRequest) -> HttpResponse:
    try:
        projects_url = reverse("projects:list")
    except NoReverseMatch:
        projects_url = ""
    return render(
        request,
        "chains/chain_list.html",
        {"chains": selectors.chain_list(user=request.user), "projects_url": projects_url},
    )


@login_required
def chain_detail(request: HttpRequest, pk: int) -> HttpResponse:
    chain = get_object_or_404(IndustryChain, pk=pk)
    form = MapFilterForm(request.GET or None, chain=chain)
    region = park = None
    if form.is_valid():
        region, park = form.cleaned_data["region"], form.cleaned_data["park"]
    cmap = selectors.chain_map(chain=chain, user=request.user, region=region, park=park)
    indicators = selectors.chain_indicator_progress(chain=chain)
    return render(
        request,
        "chains/chain_detail.html",
        {
            "chain": chain,
            "map": cmap,
            "filter_form": form,
            "graph": selectors.chain_graph_data(cmap),
            "indicators": indicators,
            "can_edit_links": _is_city_staff(request.user),
            "can_add_targets": can_edit(request.user),
            "reading_form": ReadingForm(chain=chain, initial={"year": timezone.localdate().year})
            if _is_city_staff(request.user) and indicators
            else None,
        },
    )


@login_required
@require_POST
def indicator_reading(request: HttpRequest, pk: int) -> HttpResponse:
    chain = get_object_or_404(IndustryChain, pk=pk)
    if not _is_city_staff(request.user):  # before the form: a refusal, not a form error
        raise PermissionDenied(_("Only city staff may change industry chains."))
    form = ReadingForm(request.POST, chain=chain)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.indicator_reading_record(
                by=request.user,
                indicator=data["indicator"],
                year=data["year"],
                value=data["value"],
                note=data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The reading was recorded."))
    else:
        messages.error(request, _("Please check the reading: indicator, year and value."))
    return redirect(reverse("chains:detail", args=[chain.pk]) + "#indicators")


@login_required
def chain_links_edit(request: HttpRequest, pk: int) -> HttpResponse:
    chain = get_object_or_404(IndustryChain, pk=pk)
    if not _is_city_staff(request.user):
        raise PermissionDenied(_("Only city staff may change industry chains."))
    queryset = chain.links.order_by("sort_order", "name")
    formset = ChainLinkFormSet(
        request.POST or None, queryset=queryset, form_kwargs={"chain": chain}
    )
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                for form in formset.forms:
                    if not form.has_changed() and not form.cleaned_data.get("DELETE"):
                        continue
                    data = form.cleaned_data
                    try:
                        if data.get("DELETE"):
                            if form.instance.pk:
                                services.chain_link_delete(by=request.user, link=form.instance)
                            continue
                        services.chain_link_save(
                            by=request.user,
                            chain=chain,
                            link=form.instance if form.instance.pk else None,
                            name=data["name"],
                            position=data["position"],
                            parent=data.get("parent"),
                            sort_order=data.get("sort_order") or 0,
                        )
                    except ValidationError as exc:
                        _add_errors(form, exc)
                        raise
        except ValidationError:
            pass
        else:
            messages.success(request, _("The links of the chain were saved."))
            return redirect("chains:detail", pk=chain.pk)
    return render(request, "chains/chain_links_form.html", {"chain": chain, "formset": formset})


@login_required
def chain_targets(request: HttpRequest, pk: int) -> HttpResponse:
    chain = get_object_or_404(IndustryChain, pk=pk)
    form = TargetForm(request.POST or None, chain=chain, initial={"link": request.GET.get("link")})
    if request.method == "POST":
        if not can_edit(request.user):
            raise PermissionDenied(_("Your role may not change records."))
        if form.is_valid():
            try:
                target = services.target_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("%(name)s was added to the target list.") % {"name": target.name}
                )
                return redirect(
                    reverse("chains:targets", args=[chain.pk]) + f"#link-{target.link_id}"
                )
    return render(
        request,
        "chains/chain_targets.html",
        {
            "chain": chain,
            "rows": selectors.chain_targets(chain=chain, user=request.user),
            "form": form,
            "can_edit": can_edit(request.user),
            "status_choices": TargetStatusForm.base_fields["status"].choices,
        },
    )


@login_required
@require_POST
def target_status(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ChainTarget.objects.select_related("link"), pk=pk)
    if not can_edit(request.user):  # before the form: a refusal, not a silent redirect
        raise PermissionDenied(_("Your role may not change records."))
    form = TargetStatusForm(request.POST)
    if form.is_valid():
        try:
            services.target_update(
                by=request.user, target=target, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect(
        reverse("chains:targets", args=[target.link.chain_id]) + f"#link-{target.link_id}"
    )


def _project_url(project) -> str:
    try:
        return reverse("projects:detail", args=[project.pk])
    except NoReverseMatch:
        return ""


@login_required
def target_convert(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(ChainTarget.objects.select_related("link__chain"), pk=pk)
    if not can_edit(request.user):
        raise PermissionDenied(_("Your role may not change records."))
    back = reverse("chains:targets", args=[target.link.chain_id]) + f"#link-{target.link_id}"
    if target.status == ChainTarget.Status.CONVERTED:
        messages.info(request, _("This target has already been converted into a lead."))
        return redirect(back)
    form = ConvertForm(
        request.POST or None,
        user=request.user,
        initial={"token": uuid.uuid4(), "name": ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.target_convert_to_lead(
                by=request.user,
                target=target,
                region=data["region"],
                park=data["park"],
                planned_investment=data["planned_investment"],
                name=data["name"],
                token=data["token"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Lead “%(project)s” created from the target %(name)s.")
                % {"project": project.name, "name": target.name},
            )
            return redirect(_project_url(project) or back)
    return render(
        request, "chains/target_convert.html", {"target": target, "form": form, "back": back}
    )


@login_required
def leader_detail(request: HttpRequest, pk: int) -> HttpResponse:
    leader = get_object_or_404(Enterprise, pk=pk)
    supply = selectors.leader_supply(leader=leader, user=request.user)
    trend = {
        "years": [str(t["year"]) for t in supply.trend],
        "local": [t["local"] for t in supply.trend],
        "elsewhere": [t["total"] - t["local"] for t in supply.trend],
        "rate": [float(t["rate"]) if t["rate"] is not None else None for t in supply.trend],
        "labels": {
            "local": _("Local"),
            "elsewhere": _("Elsewhere"),
            "rate": _("Local supporting rate"),
        },
    }
    return render(
        request, "chains/leader_detail.html", {"supply": supply, "leader": leader, "trend": trend}
    )
