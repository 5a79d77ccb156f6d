"""Fixtures for the operations tests: our own redis-server processes (never the shared one on 6379),
stopped or frozen by the test, and the project's settings pointed at them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int, tmp_path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(tmp_path)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.ping()
            return proc
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail(f"redis-server on port {port} did not start")


def point_at_redis(settings, url: str) -> None:
    """Everything that reads REDIS_URL at request time: the cache, the throttle, the health."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "socket_connect_timeout": settings.REDIS_SOCKET_TIMEOUT,
                "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
            },
        }
    }


@pytest.fixture
def own_redis(tmp_path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A redis-server of this test on a spare port: (process, url)."""
    port = free_port()
    proc = start_redis(port, tmp_path)
    yield proc, f"redis://127.0.0.1:{port}/0"
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def redis_down(settings, own_redis) -> str:
    """REDIS_URL names a Redis that was running and has been stopped (nothing listens there)."""
    proc, url = own_redis
    point_at_redis(settings, url)
    proc.terminate()
    proc.wait(timeout=10)
    return url


@pytest.fixture
def redis_hung(settings, own_redis) -> str:
    """REDIS_URL names a Redis frozen with SIGSTOP: connections are accepted, nothing answers."""
    proc, url = own_redis
    point_at_redis(settings, url)
    os.kill(proc.pid, signal.SIGSTOP)
    return url
