"""Pages: deadline rules (city staff), 督办 items (/supervision/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scoping import get_object_or_404_for, scoped_region_id
from accounts.services import attachment_add
from core.forms import apply_errors
from core.history import history_rows
from core.models import Attachment
from core.permissions import requires
from projects.selectors import get_project_or_404

from . import selectors, services
from .forms import (
    AnswerForm,
    LimitsForm,
    ReviewForm,
    RuleForm,
    SupervisionFilterForm,
    SupervisionOpenForm,
)
from .models import LightRule, SupervisionItem

city_editor = requires(services.is_city_editor, gettext_lazy("Only city staff edit light rules."))


@login_required
@city_editor
def rule_list(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Rule saved; every light was recomputed."))
            return redirect("lights:rules")
    return render(
        request,
        "lights/rule_list.html",
        {"rules": selectors.current_rules(), "form": form},
    )


@login_required
@city_editor
def rule_edit(request: HttpRequest, series: int) -> HttpResponse:
    rule = get_object_or_404(LightRule, series=series, is_current=True)
    form = LimitsForm(
        request.POST or None,
        initial={"yellow_days": rule.yellow_days, "red_days": rule.red_days, "note": rule.note},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_change(rule=rule, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Rule changed (new version); every light was recomputed."))
            return redirect("lights:rules")
    return render(
        request,
        "lights/rule_form.html",
        {"rule": rule, "form": form, "versions": selectors.rule_versions(series)},
    )


@login_required
@city_editor
@require_POST
def rule_retire(request: HttpRequest, series: int) -> HttpResponse:
    rule = get_object_or_404(LightRule, series=series, is_current=True)
    services.rule_retire(rule=rule, by=request.user)
    messages.success(request, _("Rule retired; every light was recomputed."))
    return redirect("lights:rules")


# --- 督办 ------------------------------------------------------------------------------------------
@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    form = SupervisionFilterForm(request.GET or None)
    if scoped_region_id(request.user) is not None:
        form.fields["region"].queryset = form.fields["region"].queryset.filter(
            pk=scoped_region_id(request.user)
        )
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.supervision_list(
        user=request.user,
        status=data.get("status") or "",
        region=data.get("region"),
        age=data.get("age") or "",
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "lights/supervision_list.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "counts": selectors.supervision_counts(user=request.user),
        },
    )


@login_required
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404_for(
        request.user, selectors.supervision_queryset(user=request.user), pk=pk
    )
    attachments = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(SupervisionItem), object_id=item.pk
    )
    may_answer = item.status in selectors.UNFINISHED and services.may_answer(request.user, item)
    may_review = item.status == SupervisionItem.Status.ANSWERED and services.is_city_editor(
        request.user
    )
    return render(
        request,
        "lights/supervision_detail.html",
        {
            "item": item,
            "attachments": attachments,
            "answer_form": AnswerForm(),
            "review_form": ReviewForm(),
            "may_answer": may_answer,
            "may_review": may_review,
            "today": timezone.localdate(),
            "history": history_rows(item),
        },
    )


@login_required
@require_POST
def supervision_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404_for(
        request.user, selectors.supervision_queryset(user=request.user), pk=pk
    )
    form = AnswerForm(request.POST, request.FILES)
    form.is_valid()
    try:
        with transaction.atomic():
            services.supervision_answer(
                item=item, by=request.user, answer=form.cleaned_data.get("answer", "")
            )
            upload = form.cleaned_data.get("evidence")
            if upload:
                attachment_add(record=item, upload=upload, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Answer sent to the city."))
    return redirect("lights:supervision_detail", pk=item.pk)


@login_required
@require_POST
def supervision_review(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404_for(
        request.user, selectors.supervision_queryset(user=request.user), pk=pk
    )
    if not services.is_city_editor(request.user):
        raise PermissionDenied(_("Only city staff close or return a supervision item."))
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a decision."))
        return redirect("lights:supervision_detail", pk=item.pk)
    try:
        if form.cleaned_data["decision"] == SupervisionItem.Status.CLOSED:
            services.supervision_close(item=item, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Supervision item closed."))
        else:
            services.supervision_return(item=item, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Returned to the county for another answer."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("lights:supervision_detail", pk=item.pk)


@login_required
@requires(services.is_city_editor, gettext_lazy("Only city staff open supervision items."))
def supervision_open(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = get_project_or_404(request.user, project_pk)
    form = SupervisionOpenForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.supervision_open(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Supervision item opened."))
            return redirect("lights:supervision_detail", pk=item.pk)
    return render(request, "lights/supervision_open.html", {"project": project, "form": form})
