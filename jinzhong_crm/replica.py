"""Reads from a PostgreSQL streaming replica, when `REPLICA_URL` names one (settings: the `replica`
database alias and this router; without it there is one database and none of this runs).

What goes where:
- dashboards (their pages and the rollup API) and the API's list endpoints read from the replica:
  the heavy, repeated reads, which may be a moment behind;
- everything else reads from the primary: detail pages and the API's retrieve (read-after-write: a
  client reads back what it has just written), forms, exports, imports, the tasks;
- every write goes to the primary, and a request that writes reads from the primary from then on;
- a client that wrote in the last REPLICA_STICKY_SECONDS (a cookie) reads from the primary too, so
  the list it returns to shows its own write;
- logins, tokens, sessions and second-factor devices are always read from the primary (a token just
  made must authenticate its first list call).

The choice is made per request (process_view, in a context variable), never cached across requests.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PRIMARY = "default"
WROTE_COOKIE = "jz_wrote"
# Read from the primary always: who is asking, and with what right.
PRIMARY_ONLY_APPS = frozenset(
    {"accounts", "auth", "knox", "sessions", "axes", "otp_totp", "otp_static", "contenttypes"}
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_read_from: ContextVar[str] = ContextVar("jz_read_from", default=PRIMARY)


def enabled() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads on the replica only inside a request that ReplicaReadsMiddleware marked; writes always
    on the primary, and the first write sends the rest of the request's reads there too."""

    def db_for_read(self, model, **hints) -> str:
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        return _read_from.get()

    def db_for_write(self, model, **hints) -> str:
        _read_from.set(PRIMARY)  # read-after-write within the request
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == PRIMARY  # the replica follows the primary's WAL


def is_replica_read(view_func) -> bool:
    """A dashboard (page or rollup API), or an API viewset's list action."""
    if view_func.__module__.startswith("dashboards."):
        return True
    actions = getattr(view_func, "actions", None) or {}  # DRF's router sets it on viewsets
    return actions.get("get") == "list"


def _wrote_recently(request: HttpRequest) -> bool:
    try:
        wrote_at = float(request.COOKIES.get(WROTE_COOKIE, "0"))
    except ValueError:
        return False
    return time.time() - wrote_at < settings.REPLICA_STICKY_SECONDS


class ReplicaReadsMiddleware:
    """Marks the requests whose reads may use the replica; stamps a client's writes."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _read_from.set(PRIMARY)
        try:
            response = self.get_response(request)
        finally:
            _read_from.reset(token)
        if enabled() and request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_cookie(
                WROTE_COOKIE,
                f"{time.time():.3f}",
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if (
            enabled()
            and request.method in SAFE_METHODS
            and is_replica_read(view_func)
            and not _wrote_recently(request)
        ):
            _read_from.set(REPLICA)
