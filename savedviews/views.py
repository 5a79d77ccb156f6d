"""Saving, sharing, defaulting and deleting a list's saved views. Each answers with a redirect to
the list (the list's tabs show the result); a refusal comes back as a message on that list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import EditViewForm, SaveViewForm
from .models import ListName

# Where each list lives (by URL name: this app does not import the apps whose lists it serves).
LIST_URLS = {
    ListName.PROJECTS: "projects:list",
    ListName.ENTERPRISES: "enterprises:list",
    ListName.EVENTS: "events:list",
    ListName.BOARD: "projects:board",
}


def list_url(list_name: str, **params) -> str:
    try:
        url = reverse(LIST_URLS[list_name])
    except (KeyError, NoReverseMatch):
        url = reverse("home")
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _back(list_name: str, query: str = "", view=None) -> HttpResponseRedirect:
    if view is not None:
        return HttpResponseRedirect(list_url(list_name, view=view.pk))
    url = list_url(list_name)
    return HttpResponseRedirect(f"{url}?{query}" if query else f"{url}?view=0")


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST, user=request.user)
    list_name = request.POST.get("list_name")
    if list_name not in ListName.values:
        list_name = ListName.PROJECTS
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}:{error}" if label else error)
        return _back(list_name, services.clean_query(request.POST.get("query", "")))
    data = form.cleaned_data
    try:
        view = services.saved_view_create(
            by=request.user,
            list_name=data["list_name"],
            name=data["name"],
            query=data["query"],
            sharing=data["sharing"],
            make_default=data["make_default"],
        )
    except ValidationError as exc:
        messages.error(
            request, _("The view was not saved: %(reason)s") % {"reason": _error_text(exc)}
        )
        return _back(list_name, services.clean_query(data["query"]))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _back(view.list_name, view=view)


@login_required
@require_POST
def saved_view_edit(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.owned_view_get(user=request.user, pk=pk)
    if view.owner_id != request.user.pk:
        raise PermissionDenied(_("Only the person who saved this view may change it."))
    form = EditViewForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(view.list_name, view=view)
    try:
        services.saved_view_update(
            view=view,
            by=request.user,
            name=form.cleaned_data["name"],
            sharing=form.cleaned_data["sharing"],
        )
    except ValidationError as exc:
        messages.error(
            request, _("The view was not changed: %(reason)s") % {"reason": _error_text(exc)}
        )
    else:
        messages.success(request, _("View “%(name)s” changed.") % {"name": view.name})
    return _back(view.list_name, view=view)


@login_required
@require_POST
def saved_view_default(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a view the person's default for its list (`action=set`), or stop using a default
    (`action=unset`). Anything else changes nothing."""
    view = selectors.owned_view_get(user=request.user, pk=pk)
    action = request.POST.get("action")
    if action == "unset":
        services.default_view_set(user=request.user, list_name=view.list_name, view=None)
        messages.success(request, _("The list now opens in its plain order."))
    elif action == "set":
        services.default_view_set(user=request.user, list_name=view.list_name, view=view)
        messages.success(request, _("The list now opens with “%(name)s”.") % {"name": view.name})
    return _back(view.list_name, view=view)


@login_required
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask for confirmation; POST: delete (the owner only)."""
    view = selectors.owned_view_get(user=request.user, pk=pk)
    if view.owner_id != request.user.pk:
        raise PermissionDenied(_("Only the person who saved this view may change it."))
    if request.method == "POST":
        services.saved_view_delete(view=view, by=request.user)
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
        return _back(view.list_name)
    return render(
        request,
        "savedviews/confirm_delete.html",
        {"view": view, "back": list_url(view.list_name, view=view.pk)},
    )
