"""Error pages: in Chinese, without stack traces, with the request id a user can quote.

404 and 403 use Django's own handlers with our templates (they render inside base.html). 500 has its
own handler because the database may be what failed: its template needs no query and no context
processor, only the request id."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from core.requestinfo import current_request_id


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    template = loader.get_template("500.html")
    request_id = getattr(request, "request_id", None) or current_request_id()
    return HttpResponseServerError(template.render({"request_id": request_id}))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (or a page left open past the session)."""
    template = loader.get_template("403_csrf.html")
    return HttpResponse(template.render({}, request), status=403)
