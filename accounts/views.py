from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.history import history_search, materialize

from .forms import HistorySearchForm
from .models import Role

HISTORY_PAGE_SIZE = 25


def _is_city_admin(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role == Role.CITY_ADMIN)
    )


def history(request: HttpRequest) -> HttpResponse:
    """变更记录查询: city administrators search every change to every tracked record."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not _is_city_admin(request.user):
        raise PermissionDenied
    form = HistorySearchForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = {
            "user_id": d["user"].pk if d["user"] else None,
            "model_label": d["model"] or None,
            "date_from": d["date_from"],
            "date_to": d["date_to"],
            "text": d["q"],
            "action": d["action"],
        }
    rows = history_search(**filters) if form.is_valid() or not form.is_bound else []
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/history.html",
        {
            "form": form,
            "page": page,
            "entries": materialize(page.object_list),
            "query": query.urlencode(),
        },
    )


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked user + IP: a Chinese page saying how long to wait."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
