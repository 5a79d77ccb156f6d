"""Throttles that cost at most one Redis round trip per request, whatever the rate.

DRF's throttles keep a list of every request's time in the cache and read and rewrite the whole list
on each request: two round trips and a pickled list of up to `rate` floats (1,200 for a token). These
count instead, with the sliding-window estimate (the current window's count plus the previous
window's, weighted by how much of it still overlaps the last `duration` seconds): one Redis
command (a small Lua script: INCRBY, EXPIRE on a window's first request, GET). Same scopes, rates,
cache keys' identities and 429 answers as DRF's.

High rates are counted in leases: where a rate allows at least 200 requests a window, a worker
process counts `lease_size()` requests at once (at most 10, a hundredth of the rate) and answers
that many of the client's next requests in this window without asking Redis again. A lease is
granted only when the whole of it fits under the rate, so it never lets more requests through than
the rate; near the limit the count goes back to one request at a time. What a process leases and
leaves unused still counts: a client that spreads its requests over several worker processes may be
refused up to (processes - 1) x (lease - 1) requests early (27 of 1,200 a minute with 4 processes).
Low rates (anonymous clients, token creation) are counted one request at a time, exactly.
"""

from __future__ import annotations

import threading

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

# One command: count this request (or a lease of ARGV[2] requests) in the current window, which
# expires two windows on, and read the previous window's count.
_COUNT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, tonumber(redis.call('GET', KEYS[2]) or '0')}
"""
_scripts: dict[int, object] = {}

LEASE_MAX = 10
MAX_LEASES = 10_000  # per process; cleared when reached (an unused lease is only forgotten)
# The current window's cache key -> [requests left in the lease, the window's count after it was
# granted, the previous window's count then].
_leases: dict[str, list[int]] = {}
_leases_lock = threading.Lock()


def lease_size(num_requests: int) -> int:
    """Requests counted per Redis round trip for a rate of `num_requests` a window."""
    return max(1, min(LEASE_MAX, num_requests // 100))


def forget_leases() -> None:
    with _leases_lock:
        _leases.clear()


def _take_from_lease(key: str) -> tuple[int, int] | None:
    """(the window's count as of this request, the previous window's count) from a lease of this
    process for `key`, or None when it has none left."""
    with _leases_lock:
        lease = _leases.get(key)
        if not lease or lease[0] <= 0:
            return None
        lease[0] -= 1
        return lease[1] - lease[0], lease[2]


def _redis_script(key: str):
    """The counting script on the redis-py client behind Django's RedisCache, or None for another
    backend. (Django makes a new client object at every call; one per process does.)"""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return None
    script = _scripts.get(id(backend._cache))
    if script is None:
        client = backend._cache.get_client(key, write=True)
        script = _scripts[id(backend._cache)] = client.register_script(_COUNT)
    return script


class WindowCounterMixin:
    cache = default_cache

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        current = self.cache.make_and_validate_key(f"{self.key}:{window}")
        previous = self.cache.make_and_validate_key(f"{self.key}:{window - 1}")
        self.elapsed = self.now - window * self.duration
        script = _redis_script(current)
        size = lease_size(self.num_requests) if script is not None else 1
        if size > 1:
            leased = _take_from_lease(current)
            if leased is not None:  # counted when the lease was granted, under the rate
                self.count, self.before = leased
                return True
        if script is not None:
            count, before = script(keys=[current, previous], args=[2 * self.duration, size])
            if size > 1 and self._estimate(count, before) > self.num_requests:
                # The whole lease does not fit: count this one request only.
                count = script.registered_client.decrby(current, size - 1)
            elif size > 1:
                with _leases_lock:
                    if len(_leases) >= MAX_LEASES:
                        _leases.clear()
                    _leases[current] = [size - 1, count, before]
                count -= size - 1
        else:  # e.g. the local-memory cache of `make run` without Redis
            self.cache.add(f"{self.key}:{window}", 0, 2 * self.duration)
            count = self.cache.incr(f"{self.key}:{window}")
            before = int(self.cache.get(f"{self.key}:{window - 1}") or 0)
        self.count, self.before = count, before
        if self._estimate(count, before) > self.num_requests:
            # A refused request does not count (as with DRF's throttles).
            if script is not None:
                script.registered_client.decr(current)
            else:
                self.cache.decr(f"{self.key}:{window}")
            self.count -= 1
            return self.throttle_failure()
        return True

    def _estimate(self, count: int, before: int) -> float:
        """Requests in the last `duration` seconds, for `count` in this window and `before` in the
        previous one."""
        return before * (1 - self.elapsed / self.duration) + count

    def wait(self):
        """Seconds until one more request would be allowed (Retry-After)."""
        room = self.num_requests - 1 - self.count  # requests the current window may still add
        if room >= 0 and self.before:
            # The previous window's weight has to shrink: before * (1 - t / d) <= room.
            needed = (1 - room / self.before) * self.duration
            return max(needed - self.elapsed, 1.0)
        if room >= 0:
            return 1.0
        # This window alone is full: the next one starts with it as its "previous".
        rest = self.duration - self.elapsed
        share = 1 - (self.num_requests - 1) / max(self.count, 1)
        return rest + max(share, 0.0) * self.duration

    def throttle_failure(self):
        return False


class AnonRateThrottle(WindowCounterMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(WindowCounterMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(WindowCounterMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # DRF's scoped throttle learns its rate from the view (see its allow_request).
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
