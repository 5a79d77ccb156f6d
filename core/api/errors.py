"""One error shape for the whole API, never a stack trace:

    {"status": 400, "code": "invalid", "detail": "…", "fields": {"planned_investment": ["…"]}}

`fields` is present only for validation errors. Service-layer errors (Django's ValidationError and
PermissionDenied) map to 400 and 403 like DRF's own.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler, set_rollback

from core import unavailable
from core.api.shape import error_body

logger = logging.getLogger("api")


def _flatten(detail) -> dict | list | str:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _first_message(fields) -> str:
    if isinstance(fields, dict):
        for value in fields.values():
            return _first_message(value)
    if isinstance(fields, list) and fields:
        return _first_message(fields[0])
    return str(fields) if fields else _("Invalid input.")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def _too_large() -> RequestTooLarge:
    limit_mb = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
    return RequestTooLarge(
        _("The request body is too large: at most %(mb)d MB.") % {"mb": limit_mb}
    )


def api_exception_handler(exc, context):
    # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when DRF reads request.body; uncaught
    # it would be a 500 (the "Internal error" below).
    if isinstance(exc, RequestDataTooBig):
        exc = _too_large()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(_("The request has too many fields."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*(exc.args[:1] or ()))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif unavailable.is_outage(exc):
        unavailable.log_outage(exc, context.get("view").__class__.__name__)
        set_rollback()
        response = Response(
            error_body(503, "service_unavailable", unavailable.outage_message()),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(unavailable.RETRY_AFTER_SECONDS)
        return response

    response = exception_handler(exc, context)
    if response is None:
        # Unexpected: log it with the traceback for us, answer a plain 500 for the client.
        logger.exception("API error in %s", context.get("view").__class__.__name__, exc_info=exc)
        set_rollback()
        return Response(
            error_body(500, "server_error", _("Internal error; it has been logged.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        response.data = error_body(
            response.status_code, "invalid", _first_message(fields), fields=fields
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(
            response.status_code,
            codes if isinstance(codes, str) else "error",
            str(_flatten(detail)),
        )
    return response


@csrf_exempt  # it only ever answers 404; a PUT to a bad URL must not get the CSRF HTML page
def json_not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown URLs under /api/ answer in the API's shape rather than the site's HTML 404."""
    return JsonResponse(
        error_body(404, "not_found", _("Not found.")),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


# Exempting it from CSRF is safe: it changes nothing and only ever answers 404 (checked by
# tests/security/test_hardening.py, which allows csrf_exempt only on DRF views and views marked so).
json_not_found.csrf_exempt_because_read_only = True
