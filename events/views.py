"""Event pages: thin views over events.selectors (reads) and events.services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from accounts.scoping import can_edit, check_can_edit_region, scope_projects
from core.attachments import attachments_of
from core.filtersets import sort_words
from core.forms import apply_errors
from core.models import Attachment
from projects.models import Project
from projects.selectors import get_project_or_404
from savedviews.lists import list_state
from savedviews.models import ListName

from . import selectors, services
from .exports import stats_workbook
from .filtersets import EventFilterSet
from .forms import (
    AgreementForm,
    AttachmentForm,
    BatchForm,
    EventForm,
    ProjectSigningForm,
    SigningFormSet,
    StatsForm,
)
from .models import AgreementKind, PromotionEvent


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages_ in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, exc.messages)


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    views = list_state(
        request,
        list_name=ListName.EVENTS,
        check=lambda params: EventFilterSet(params, queryset=PromotionEvent.objects.none()),
    )
    if views.redirect:
        return redirect(views.redirect)
    filterset, events = selectors.event_list(user=request.user, params=views.params)
    page = Paginator(events, 60).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_value = views.params.get("sort", "") if not filterset.errors.get("sort") else ""
    return render(
        request,
        "events/event_list.html",
        {
            "form": filterset.form,
            "page": page,
            "query": query.urlencode(),
            # The column headers (crm.sort_th) and the order in words, as on /projects/.
            "sort_value": sort_value,
            "default_sort": "-date",
            "sort_words": sort_words(filterset, sort_value),
            # The filters and sort in force (a saved view's too), for the export links.
            "export_query": views.query,
            "export_url": reverse("imports:export", args=["events"]),
            "can_add": can_edit(request.user),
            "views": views,
        },
    )


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(
        PromotionEvent.objects.select_related("kind", "created_by").prefetch_related(
            "organisers", "enterprises", "agreements"
        ),
        pk=pk,
    )
    negotiated = scope_projects(event.projects_negotiated.select_related("region"), request.user)
    hidden_negotiated = event.projects_negotiated.count() - negotiated.count()
    context = {
        "event": event,
        "signings": selectors.event_signings(event=event, user=request.user),
        "totals": selectors.event_totals(event=event),
        "batch": selectors.event_batch(event=event, user=request.user)
        if event.kind.is_batch
        else None,
        "negotiated": negotiated,
        "hidden_negotiated": hidden_negotiated,
        "can_edit": services.can_edit_event(request.user, event),
        "attachments": attachments_of(event),
        "attachment_form": AttachmentForm(),
        "agreement_form": AgreementForm(),
        "batch_form": BatchForm(user=request.user) if event.kind.is_batch else None,
    }
    return render(request, "events/event_detail.html", context)


def _event_form_save(request: HttpRequest, event: PromotionEvent | None) -> HttpResponse:
    initial = {}
    if event is not None:
        initial = {
            "kind": event.kind,
            "title": event.title,
            "start_on": event.start_on,
            "end_on": event.end_on,
            "place_city": event.place_city,
            "place_province": event.place_province,
            "venue": event.venue,
            "organisers": list(event.organisers.all()),
            "leading_official": event.leading_official,
            "enterprises": list(event.enterprises.all()),
            "projects_negotiated": list(event.projects_negotiated.all()),
            "notes": event.notes,
        }
    elif request.user.region_id:
        initial = {"organisers": [request.user.region_id]}
    form = EventForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if event is None:
                event = services.event_create(by=request.user, **form.cleaned_data)
                messages.success(request, _("Event recorded."))
            else:
                services.event_update(event=event, by=request.user, **form.cleaned_data)
                messages.success(request, _("Event saved."))
            return redirect("events:detail", pk=event.pk)
        except ValidationError as exc:
            _apply_errors(form, exc)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not can_edit(request.user):
        raise PermissionDenied
    return _event_form_save(request, None)


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(PromotionEvent, pk=pk)
    services.check_can_edit_event(request.user, event)
    return _event_form_save(request, event)


@login_required
def event_signings(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an event's signings in one go: existing projects or new ones, all or nothing."""
    event = get_object_or_404(PromotionEvent.objects.select_related("kind"), pk=pk)
    services.check_can_edit_event(request.user, event)
    formset = SigningFormSet(
        request.POST or None,
        user=request.user,
        initial=[{"signed_on": event.start_on}] * 4,
        prefix="s",
    )
    if request.method == "POST" and formset.is_valid():
        rows, forms_by_row = [], []
        for form in formset.forms:
            if form.is_blank:
                continue
            data = form.cleaned_data
            new_project = {}
            if not data.get("project") and data.get("new_name"):
                new_project = {
                    "name": data["new_name"],
                    "investor_name": data.get("new_investor", ""),
                    "region": data.get("new_region"),
                    "chain": data.get("new_chain"),
                }
            rows.append(
                services.SigningRow(
                    project=data.get("project"),
                    new_project=new_project,
                    signed_on=data.get("signed_on"),
                    amount=data.get("amount") or None,
                    agreement_kind=data.get("agreement_kind"),
                    correction_reason=data.get("correction_reason", ""),
                )
            )
            forms_by_row.append(form)
        try:
            if not rows:
                raise ValidationError(_("Enter at least one signing."))
            signings = services.event_signings_record(event=event, by=request.user, rows=rows)
        except services.SigningRowsError as exc:
            for i, errors in exc.row_errors.items():
                form = forms_by_row[i]
                for name, msgs in errors.items():
                    target = {
                        "name": "new_name",
                        "investor_name": "new_investor",
                        "region": "new_region",
                    }.get(name, name)
                    form.add_error(target if target in form.fields else None, msgs)
            messages.error(request, _("Nothing was saved: please correct the rows marked below."))
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(exc.messages)
        else:
            messages.success(
                request,
                _("%(count)s signings recorded.") % {"count": len(signings)},
            )
            return redirect("events:detail", pk=event.pk)
    return render(request, "events/signings_form.html", {"event": event, "formset": formset})


@login_required
def signing_new(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Sign one project from its page, at an event or outside any. A role that may not write is
    refused whatever the project; a project out of the user's scope is not found. (The project is
    in the path, not the query string, so the permission matrix tries every role on it.)"""
    if not can_edit(request.user):
        raise PermissionDenied
    project = get_project_or_404(
        request.user,
        project_pk,
        queryset=Project.objects.select_related("region", "investor"),
    )
    check_can_edit_region(request.user, project.region)
    form = ProjectSigningForm(
        request.POST or None,
        user=request.user,
        initial={"amount": project.planned_investment, "agreement_kind": AgreementKind.FORMAL},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.signing_record(
                by=request.user,
                project=project,
                signed_on=data["signed_on"],
                amount=data["amount"],
                agreement_kind=data["agreement_kind"],
                event=data["event"],
                note=data["note"],
                correction_reason=data["correction_reason"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            message = _("Signing of “%(project)s” recorded (%(date)s).") % {
                "project": project.name,
                "date": data["signed_on"].isoformat(),
            }
            if request.htmx:  # the pipeline board's move dialog: it reloads its columns
                return trigger_client_event(
                    HttpResponse(status=204), "projectMoved", {"message": message}
                )
            messages.success(request, message)
            return redirect("projects:detail", pk=project.pk)
    if request.htmx:
        # The same form in the board's move dialog; refused input comes back in it with the
        # messages beside their fields.
        return render(
            request, "events/_signing_form.html", {"form": form, "project": project, "dialog": True}
        )
    return render(request, "events/signing_form.html", {"form": form, "project": project})


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(PromotionEvent, pk=pk)
    services.check_can_edit_event(request.user, event)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(event=event, by=request.user, **form.cleaned_data)
            messages.success(request, _("Attachment uploaded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("events:detail", pk=event.pk)


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        Attachment, pk=pk, content_type=ContentType.objects.get_for_model(PromotionEvent)
    )
    event_pk = attachment.object_id
    services.attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, _("Attachment deleted."))
    return redirect("events:detail", pk=event_pk)


@login_required
@require_POST
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(PromotionEvent, pk=pk)
    services.check_can_edit_event(request.user, event)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_record(event=event, by=request.user, **form.cleaned_data)
            messages.success(request, _("Order or agreement recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("events:detail", pk=event.pk)


@login_required
@require_POST
def batch_record(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(PromotionEvent.objects.select_related("kind"), pk=pk)
    services.check_can_edit_event(request.user, event)
    form = BatchForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            records = services.event_batch_record(
                event=event,
                by=request.user,
                milestone=form.cleaned_data["milestone"],
                projects=form.cleaned_data["projects"],
                correction_reason=form.cleaned_data["correction_reason"],
            )
            messages.success(request, _("%(count)s projects recorded.") % {"count": len(records)})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("events:detail", pk=event.pk)


@login_required
def event_stats(request: HttpRequest) -> HttpResponse:
    """Activity statistics: events, small-team trips and projects negotiated, by region and month."""
    form = StatsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or selectors.default_stats_year(timezone.localdate())
    quarter = data.get("quarter")
    region = data.get("region")
    stats = selectors.activity_stats(year=year, quarter=quarter, region=region)
    period = f"{year}" + (f" Q{quarter}" if quarter else "") + (f" {region.name}" if region else "")
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            stats_workbook(stats, period),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="event-stats-{year}.xlsx"'
        return response
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(
        request,
        "events/stats.html",
        {
            "form": form,
            "stats": stats,
            "year": year,
            "years": selectors.stats_years(),
            "period": period,
            "export_query": query.urlencode(),
        },
    )
