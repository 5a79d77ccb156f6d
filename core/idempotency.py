"""`Idempotency-Key` for API writes (POST under /api/: create, advance …), kept in the database.

A client that did not hear the answer to a write sends it again with the same key; within 24 hours
it gets the first response again (with `Idempotent-Replayed: true`) and nothing is created twice.
- The key is scoped to the credentials that sent it (a hash of the Authorization header, or of the
  session for the browsable API), so one client's key never answers another.
- The same key with a different request (method, path or body) is refused with 422.
- The key, the write and its response commit in one transaction: while the first request runs, a
  repeat waits for it and then gets its answer; a request cut off (its process killed) leaves
  nothing, and its retry runs again.
- A response of 500 or more is not kept, and its writes are rolled back: a retry runs again.
Expired keys are deleted by the heartbeat task (core/tasks.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api.shape import error_body
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEPT_FOR = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _scope(request: HttpRequest) -> str | None:
    credentials = request.META.get("HTTP_AUTHORIZATION", "")
    if not credentials:
        credentials = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    return _sha256(b"credentials", credentials.encode()) if credentials else None


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        error_body(status, code, detail), status=status, json_dumps_params={"ensure_ascii": False}
    )


def expire_old_keys() -> int:
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - KEPT_FOR
    ).delete()
    return deleted


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code, content_type=row.content_type)
    if row.location:
        response["Location"] = row.location
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyKeyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER, "").strip()
        if not key or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        scope = _scope(request)
        if scope is None:  # anonymous: refused by the API anyway, nothing to remember
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return _error(
                400,
                "invalid",
                _("The Idempotency-Key header is longer than %(n)d characters.")
                % {"n": MAX_KEY_LENGTH},
            )
        fingerprint = _sha256(request.method.encode(), request.path.encode(), request.body)
        IdempotencyKey.objects.filter(
            scope=scope, key=key, created_at__lt=timezone.now() - KEPT_FOR
        ).delete()
        # The key, the write and the response it got commit together, in one transaction: a
        # process killed mid-request (SIGKILL, a lost host) leaves neither the write nor the key, so
        # the client's retry runs it again (make rehearse kills a web instance under this load). A
        # repeat that arrives meanwhile waits on the key's row, then replays the committed answer.
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        scope=scope, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                return self._repeat(request, scope, key, fingerprint)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)  # nothing kept: a retry runs again
                return response
            if getattr(response, "streaming", False):
                row.delete()
                return response
            row.status_code = response.status_code
            row.content_type = response.get("Content-Type", "")
            row.body = response.content
            row.location = response.get("Location", "")
            row.save(update_fields=["status_code", "content_type", "body", "location"])
            return response

    def _repeat(self, request: HttpRequest, scope: str, key: str, fingerprint: str) -> HttpResponse:
        first = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if first is None:  # expired and deleted between the two statements: run it
            return self.get_response(request)
        if first.fingerprint != fingerprint:
            return _error(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was already used for a different request."),
            )
        if first.status_code is None:  # (a row kept by an earlier version, before its answer)
            response = _error(
                409,
                "idempotency_key_in_progress",
                _("A request with this Idempotency-Key is still being processed."),
            )
            response["Retry-After"] = "1"
            return response
        return _replay(first)
