"""DRF's throttles (same scopes, rates, cache-key identities and 429 answers), counted by `limits`.

Why not DRF's own counting: it reads a client's history from the cache, appends, and writes it back;
two requests racing in two gunicorn workers both read the old history and both pass, so under load a
client gets more than its rate. `limits`' moving window does the check-and-count in one Redis Lua
script: no more than the rate is ever let through in any `duration`-second window, whatever the
number of processes, and a refused request does not count.

Fail open: the rate store is Redis (REDIS_URL; in-process memory in the embedded default). When Redis
is down or hung, the call gives up after REDIS_SOCKET_TIMEOUT (0.5 s), the request is let through
and a warning is logged. An outage of Redis must not take the API down with it; the throttle is a
guard against abuse, not a correctness rule.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from rest_framework import throttling

logger = logging.getLogger(__name__)

# One limiter per store URL and process, as Django's cache handler keeps one client per cache:
# with Redis it holds a connection pool and the counts live in Redis, shared by every process.
# The embedded default (no REDIS_URL: `make run`, one process) counts in that process's memory,
# as its LocMemCache does.
_limiters: dict[str, MovingWindowRateLimiter] = {}


def _store_url() -> str:
    return settings.REDIS_URL or "memory://"


def limiter() -> MovingWindowRateLimiter:
    url = _store_url()
    found = _limiters.get(url)
    if found is None:
        options = {}
        if url.startswith("redis"):
            timeout = settings.REDIS_SOCKET_TIMEOUT
            options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        found = _limiters[url] = MovingWindowRateLimiter(storage_from_string(url, **options))
    return found


class MovingWindowMixin:
    """Replaces SimpleRateThrottle's history list with an atomic moving-window count."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        item = RateLimitItemPerSecond(self.num_requests, self.duration)
        try:
            rate_limiter = limiter()
            if rate_limiter.hit(item, self.key):
                return True
            stats = rate_limiter.get_window_stats(item, self.key)
        except Exception as exc:  # redis-py's ConnectionError / TimeoutError and friends
            logger.warning(
                "throttle: rate store unreachable (%s: %s); request let through (fail open)",
                type(exc).__name__,
                exc,
            )
            return True
        self._wait = max(stats.reset_time - time.time(), 1.0)
        return False

    def wait(self) -> float:
        return getattr(self, "_wait", None) or float(self.duration)


class AnonRateThrottle(MovingWindowMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(MovingWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(MovingWindowMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request, view) -> bool:
        # DRF's scoped throttle learns its rate from the view (as in its own allow_request).
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
