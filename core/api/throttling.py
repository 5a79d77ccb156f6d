"""Throttles that cost one Redis round trip per request, whatever the rate.

DRF's throttles keep a list of every request's time in the cache and read and rewrite the whole list
on each request: two round trips and a pickled list of up to `rate` floats (1,200 for a token). These
count instead, with the sliding-window estimate (the current window's count plus the previous
window's, weighted by how much of it still overlaps the last `duration` seconds): one Redis
command (a small Lua script: INCR, EXPIRE on a window's first request, GET). Same scopes, rates, cache keys' identities and 429 answers as DRF's.
"""

from __future__ import annotations

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

# One command: count this request in the current window (which expires two windows on) and read
# the previous window's count.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, tonumber(redis.call('GET', KEYS[2]) or '0')}
"""
_scripts: dict[int, object] = {}


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
        script = _redis_script(current)
        if script is not None:
            count, before = script(keys=[current, previous], args=[2 * self.duration])
        else:  # e.g. the local-memory cache of `make run` without Redis
            self.cache.add(f"{self.key}:{window}", 0, 2 * self.duration)
            count = self.cache.incr(f"{self.key}:{window}")
            before = int(self.cache.get(f"{self.key}:{window - 1}") or 0)
        self.count, self.before = count, before
        self.elapsed = self.now - window * self.duration
        if self._estimate(count) > self.num_requests:
            # A refused request does not count (as with DRF's throttles).
            if script is not None:
                script.registered_client.decr(current)
            else:
                self.cache.decr(f"{self.key}:{window}")
            self.count -= 1
            return self.throttle_failure()
        return True

    def _estimate(self, count: int) -> float:
        overlap = 1 - self.elapsed / self.duration
        return self.before * overlap + count

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
