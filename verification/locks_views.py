"""Locked periods' pages (issue 21): the list where city staff lock a month or quarter, and a
period's page with its locked figures, its corrections and, for the city administrator, the unlock
form. Thin views over rollups.locks (the lock lives with the rollups it snapshots)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.models import Region
from rollups.locks import (
    LOCK_PERMISSION,
    UNLOCK_PERMISSION,
    PeriodLock,
    period_lock,
    period_unlock,
)

from .forms import LockForm, UnlockForm


def _require_lock_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(LOCK_PERMISSION):
        raise PermissionDenied(_("Only city staff may lock periods."))


@login_required
def lock_list(request: HttpRequest) -> HttpResponse:
    """/verification/locks/: every lock, newest period first, and the form to lock another."""
    _require_lock_permission(request)
    form = LockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lock = period_lock(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(period)s is locked.") % {"period": lock.label})
            return redirect("verification:lock_detail", pk=lock.pk)
    locks = PeriodLock.objects.select_related("locked_by", "unlocked_by")
    return render(request, "verification/lock_list.html", {"form": form, "locks": locks})


@login_required
def lock_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A locked period: its figures by region (from the snapshot) and its corrections."""
    _require_lock_permission(request)
    lock = get_object_or_404(PeriodLock.objects.select_related("locked_by", "unlocked_by"), pk=pk)
    names = dict(Region.objects.values_list("pk", "name"))
    by_region = [
        {**row, "name": names.get(row["region_id"], "—")}
        for row in lock.region_months.order_by()
        .values("region_id")
        .annotate(
            signed_count=Sum("signed_count"),
            signed_amount=Sum("signed_amount"),
            started_amount=Sum("started_amount"),
            funds_amount=Sum("funds_amount"),
        )
        .order_by("region_id")
    ]
    totals = {
        key: sum((row[key] or 0) for row in by_region)
        for key in ("signed_count", "signed_amount", "started_amount", "funds_amount")
    }
    return render(
        request,
        "verification/lock_detail.html",
        {
            "lock": lock,
            "by_region": by_region,
            "totals": totals,
            "corrections": lock.corrections.select_related("by"),
            "may_unlock": lock.is_active and request.user.has_perm(UNLOCK_PERMISSION),
            "unlock_form": UnlockForm(),
        },
    )


@login_required
@require_POST
def lock_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    _require_lock_permission(request)
    lock = get_object_or_404(PeriodLock, pk=pk)
    form = UnlockForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        period_unlock(lock=lock, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(period)s is unlocked.") % {"period": lock.label})
    return redirect("verification:lock_detail", pk=lock.pk)
