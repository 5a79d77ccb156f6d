"""The header's search dropdown (an htmx partial) and the full results page, both reading
`search.selectors.global_search`."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import PAGE_LIMIT, SUGGEST_LIMIT, global_search


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The dropdown under the header box: a few matches per group."""
    raw = request.GET.get("q") or ""
    result = global_search(user=request.user, q=raw, limit=SUGGEST_LIMIT)
    return render(request, "search/_suggestions.html", {"result": result, "typed": raw.strip()})


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """/search/?q=: every group with more matches, for Enter without a picked suggestion."""
    raw = request.GET.get("q")
    result = global_search(user=request.user, q=raw, limit=PAGE_LIMIT)
    return render(
        request,
        "search/results.html",
        {"result": result, "typed": (raw or "")[:200], "limit": PAGE_LIMIT},
    )
