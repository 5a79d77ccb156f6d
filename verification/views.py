"""Verification pages: thin views over verification.selectors (reads) and .services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import can_edit, check_can_edit, get_object_or_404_for, scoped_region_id
from core.models import Attachment
from projects.models import Project

from . import selectors, services
from .forms import EvidenceUploadForm, QueueFilterForm, ReturnForm
from .models import MilestoneClaim, MilestoneKind, State


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """/verification/: the city verifier's queue, filtered by region, milestone and age."""
    if not services.can_verify(request.user):
        raise PermissionDenied(_("Only city verifiers may open the verification queue."))
    form = QueueFilterForm(request.GET or {"state": State.PENDING})
    if scoped_region_id(request.user) is not None:
        form.fields["region"].queryset = form.fields["region"].queryset.filter(
            pk=scoped_region_id(request.user)
        )
    data = form.cleaned_data if form.is_valid() else {"state": State.PENDING}
    qs = selectors.verification_queue(
        user=request.user,
        state=data.get("state") or "",
        region=data.get("region"),
        kind=data.get("kind") or "",
        age=data.get("age") or "",
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/queue.html",
        {"form": form, "page": page, "requirements": selectors.requirements()},
    )


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404_for(request.user, selectors.claims_visible(user=request.user), pk=pk)
    may_decide = services.can_verify(request.user)
    own = may_decide and services.is_own(claim, request.user)
    return render(
        request,
        "verification/claim_detail.html",
        {
            "claim": claim,
            "files": selectors.claim_files(claim),
            "requirement": selectors.requirements().get(claim.kind),
            "may_decide": may_decide and not own,
            "own": own,
            "may_edit": _may_edit(request.user, claim.project),
            "return_form": ReturnForm(),
            "history": claim.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


def _may_edit(user, project: Project) -> bool:
    if not can_edit(user):
        return False
    try:
        check_can_edit(user, project)
    except PermissionDenied:
        return False
    return True


def _decide(request: HttpRequest, pk: int, action) -> HttpResponse:
    claim = get_object_or_404_for(request.user, MilestoneClaim, pk=pk)
    try:
        action(claim)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("verification:detail", pk=claim.pk)


@login_required
@require_POST
def claim_verify(request: HttpRequest, pk: int) -> HttpResponse:
    def act(claim):
        services.claim_verify(claim=claim, by=request.user)
        messages.success(request, _("Evidence verified."))

    return _decide(request, pk, act)


@login_required
@require_POST
def claim_return(request: HttpRequest, pk: int) -> HttpResponse:
    def act(claim):
        form = ReturnForm(request.POST)
        valid = form.is_valid()
        services.claim_return(
            claim=claim,
            by=request.user,
            reason=form.cleaned_data["reason"] if valid else "",
            found_false=valid and form.cleaned_data["found_false"],
        )
        messages.success(request, _("Evidence returned to its owner."))

    return _decide(request, pk, act)


@login_required
@require_POST
def claim_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    def act(claim):
        services.claim_resubmit(claim=claim, by=request.user)
        messages.success(request, _("Evidence submitted for verification again."))

    return _decide(request, pk, act)


@login_required
def project_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's milestones (signings, start, funds months) with their evidence and state."""
    project = get_object_or_404_for(request.user, Project.objects.select_related("region"), pk=pk)
    return render(
        request,
        "verification/project_evidence.html",
        {
            "project": project,
            "milestones": selectors.project_milestones(project=project, user=request.user),
            "requirements": selectors.requirements(),
            "may_edit": _may_edit(request.user, project),
            "upload_form": EvidenceUploadForm(),
        },
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = services.RECORD_MODELS.get(kind)
    if model is None or kind not in MilestoneKind.values:
        raise Http404
    record = get_object_or_404_for(request.user, model, pk=pk)
    project_id = record.pk if isinstance(record, Project) else record.project_id
    form = EvidenceUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                kind=kind,
                record=record,
                upload=form.cleaned_data["file"],
                by=request.user,
                description=form.cleaned_data["description"],
            )
            messages.success(request, _("Evidence attached; it waits for verification."))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("verification:project", pk=project_id)


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404_for(request.user, Attachment, pk=pk)
    claim = attachment.record
    if not isinstance(claim, MilestoneClaim):
        raise Http404
    try:
        services.evidence_remove(attachment=attachment, by=request.user)
        messages.success(request, _("File removed."))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("verification:project", pk=claim.project_id)
