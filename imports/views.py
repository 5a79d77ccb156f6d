"""Upload, preview, confirm, history and rollback of ledger imports; thin views over the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.scoping import can_edit
from core.exports import export_requested
from core.permissions import requires
from enterprises import selectors as enterprise_selectors
from events import selectors as event_selectors
from projects import selectors as project_selectors

from . import selectors, services, tasks
from .forms import UploadForm
from .ledger_exports import (
    enterprise_export_columns,
    event_export_columns,
    event_export_rows,
    project_export_columns,
    project_export_queryset,
)
from .models import ImportBatch, Kind
from .planning import ACTION_WORDS
from .workbook import TEMPLATE_KINDS, build_template

PREVIEW_LIMIT = 500


def _require_editor(request: HttpRequest) -> None:
    if not can_edit(request.user):
        raise PermissionDenied(_("Your role may not change records."))


@login_required
@requires(can_edit, gettext_lazy("Your role may not change records."))
def index(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        kind = form.cleaned_data["kind"]
        batch = services.batch_create(
            kind=kind,
            filename=upload.name,
            data=data,
            by=request.user,
            evidence_zip=form.cleaned_data.get("evidence_zip"),
        )
        if services.count_rows(data, upload.name, kind) > services.ASYNC_ROW_THRESHOLD:
            transaction.on_commit(lambda: tasks.preview_batch.delay(batch.pk))
        else:
            services.batch_preview(batch=batch)
        return redirect("imports:batch", pk=batch.pk)
    batches = selectors.batch_queryset(user=request.user)[:50]
    return render(
        request,
        "imports/index.html",
        {
            "form": form,
            "batches": batches,
            "template_kinds": [(k, Kind(k).label) for k in TEMPLATE_KINDS],
        },
    )


@login_required
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in TEMPLATE_KINDS:
        raise Http404
    response = HttpResponse(
        build_template(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


def _ledger_export(request: HttpRequest, kind: str) -> HttpResponse | None:
    """The list of `kind` as the user filtered it on its page, in the ledger's own columns."""
    user, params = request.user, request.GET
    if kind == "projects":
        _, qs = project_selectors.project_list(user=user, params=params)
        columns, rows, name = project_export_columns(), project_export_queryset(qs), "项目台账"
    elif kind == "enterprises":
        _, qs = enterprise_selectors.enterprise_list(user=user, params=params)
        columns, rows, name = enterprise_export_columns(), qs, "企业台账"
    elif kind == "events":
        _, qs = event_selectors.event_list(user=user, params=params)
        columns, rows, name = event_export_columns(), event_export_rows(qs, user=user), "活动签约"
    else:
        raise Http404
    return export_requested(request, columns=columns, rows=rows, filename=name, sheet_title=name)


@login_required
@require_GET
def list_export(request: HttpRequest, kind: str) -> HttpResponse:
    """`?format=csv|xlsx` plus the list page's own filters (the page's export buttons link here):
    the rows that page shows, in the ledger's columns, so the file imports back as "no change"."""
    response = _ledger_export(request, kind)
    if response is None:
        raise Http404
    return response


def _preview_rows(batch: ImportBatch, show: str) -> list[dict]:
    rows = batch.preview
    if show in ACTION_WORDS:
        rows = [r for r in rows if r["action"] == show]
    return rows[:PREVIEW_LIMIT]


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    return _batch_page(request, batch)


def _batch_page(
    request: HttpRequest, batch: ImportBatch, *, rollback_locked: list[str] | None = None
) -> HttpResponse:
    """The batch page. `rollback_locked`: the locked periods a refused rollback would move (the
    guard's); the rollback form then requires the correction reason."""
    show = request.GET.get("show", "error" if batch.error_count else "")
    rows = _preview_rows(batch, show)
    error_rows = [r for r in batch.preview if r["errors"]][:PREVIEW_LIMIT]
    return render(
        request,
        "imports/batch_detail.html",
        {
            "batch": batch,
            "rows": rows,
            "error_rows": error_rows,
            "show": show,
            "action_words": ACTION_WORDS,
            "progress": services.progress_get(batch.pk),
            "preview_limit": PREVIEW_LIMIT,
            "locked_rows": services.locked_rows(batch.preview)[:PREVIEW_LIMIT],
            "locked_periods": services.locked_periods(batch.preview),
            "rollback_locked": rollback_locked or [],
        },
    )


@login_required
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while a worker checks or imports; reloads the page once it is done."""
    batch = selectors.batch_get(user=request.user, pk=pk)
    if not batch.is_running and request.htmx:
        return HttpResponseClientRefresh()
    return render(
        request,
        "imports/_status.html",
        {"batch": batch, "progress": services.progress_get(batch.pk)},
    )


@login_required
@require_POST
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    batch = selectors.batch_get(user=request.user, pk=pk)
    # "Import the other rows" of a file with errors skips the rows the preview showed in error.
    skip_errors = request.POST.get("skip_errors") == "1" and batch.can_skip_errors
    if not (batch.can_confirm or skip_errors):
        messages.error(
            request, _("This batch cannot be imported: fix the errors and upload again.")
        )
        return redirect("imports:batch", pk=batch.pk)
    # Rows that move figures of a locked period are imported only as a correction, with a reason
    # (the writers refuse them otherwise: rollups.locks.guard); refused here before anything runs.
    reason = request.POST.get("correction_reason", "").strip()
    periods = services.locked_periods(batch.preview)
    if periods and not reason:
        messages.error(request, services.locked_refusal(periods))
        return redirect("imports:batch", pk=batch.pk)
    if batch.row_count > services.ASYNC_ROW_THRESHOLD:
        updated = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.PREVIEWED
        ).update(status=ImportBatch.Status.IMPORTING)
        if updated:
            user_id = request.user.pk
            transaction.on_commit(
                lambda: tasks.import_batch.delay(batch.pk, user_id, skip_errors, reason)
            )
        return redirect("imports:batch", pk=batch.pk)
    batch = services.batch_import(
        batch=batch, by=request.user, skip_errors=skip_errors, correction_reason=reason
    )
    if batch.status == ImportBatch.Status.IMPORTED:
        messages.success(request, _("The ledger was imported."))
    else:
        messages.error(request, batch.message or _("Nothing was imported."))
    return redirect("imports:batch", pk=batch.pk)


@login_required
@require_POST
def batch_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    batch = selectors.batch_get(user=request.user, pk=pk)
    # A rollback that moves figures of a locked period is done only as a correction, with a
    # reason (rollups.locks.guard refuses it otherwise); the page then asks for the reason.
    reason = request.POST.get("correction_reason", "").strip()
    try:
        services.batch_rollback(batch=batch, by=request.user, correction_reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        periods = getattr(exc, "locked_periods", None)
        if periods:
            return _batch_page(request, batch, rollback_locked=[lock.label for lock in periods])
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The import was rolled back."))
    return redirect("imports:batch", pk=batch.pk)
