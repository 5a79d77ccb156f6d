"""A request that needs a service which is down (Redis, the broker, the database) answers 503 with
Retry-After, never 500: the client (or its user) should simply try again shortly.

Most requests never get here: the throttle fails open, a save's rollup refresh waits in the outbox,
sessions live in the database. What remains is work that truly needs Redis at that moment (an
import's progress bar, queueing an import) or a database that is gone.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.api.shape import error_body
from core.requestinfo import current_request_id

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
OUTAGE_ERRORS = (
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
    DatabaseOperationalError,
    DatabaseInterfaceError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_message() -> str:
    return _("A service the system needs is briefly unavailable. Please try again in a minute.")


def log_outage(exc: BaseException, where: str) -> None:
    logger.warning("service unavailable in %s: %s: %s", where, type(exc).__name__, exc)


class ServiceUnavailableMiddleware:
    """Turns an outage error raised by a page into a 503 page (API views answer through
    core.api.errors in the API's JSON shape before this sees anything)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_outage(exc):
            return None
        log_outage(exc, request.path)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                error_body(503, "service_unavailable", outage_message()),
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            template = loader.get_template("503.html")
            context = {"request_id": getattr(request, "request_id", None) or current_request_id()}
            response = HttpResponse(template.render(context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
