"""Health endpoints, built on django-health-check's checks (its `HealthCheck` base, `Database`).

Who asks which (README "Operations"):
- `/healthz/live`: the process answers. No dependency at all. The load balancer's and the process
  supervisor's probe: a web process is taken out or restarted only when it itself is stuck.
- `/healthz/ready`: the database answers (503 otherwise). Redis and Celery are reported, never
  failing it: without them pages and the API still work (tests/ops/test_degrade.py).
- `/healthz`: the full report for monitoring. 503 when the database, Redis, the workers or the beat
  heartbeat fail (beat stopped: heartbeat older than 3 sweep periods); outbox backlog, rollup drift,
  MEDIA_ROOT disk space and (with REPLICA_URL) the replica's lag are reported with their figures and
  fail it past their limits.

Every check runs in its own thread with its own timeout, so a hung Redis costs a reply at most
that timeout (0.3-0.5 s), never a gunicorn worker's 30 s.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import shutil
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable, ServiceWarning


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


class _Reports(HealthCheck):
    """A check that also says what it found when it passes (`detail`)."""

    detail: str = "ok"


@dataclasses.dataclass
class DatabaseCheck(Database):
    detail: str = dataclasses.field(default="ok", repr=False)

    def __post_init__(self) -> None:
        self.timeout = _seconds(settings.HEALTHZ_DATABASE_TIMEOUT)

    def run(self) -> None:
        try:
            super().run()
        finally:
            connection.close()  # this thread's connection: nobody else would close it
        self.detail = connection.vendor


@dataclasses.dataclass
class RedisCheck(_Reports):
    def __post_init__(self) -> None:
        self.timeout = _seconds(settings.HEALTHZ_REDIS_TIMEOUT)

    def run(self) -> None:
        if not settings.REDIS_URL:
            self.detail = "not configured (embedded default: tasks run in-process)"
            return
        import redis

        seconds = self.timeout.total_seconds()
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=seconds, socket_timeout=seconds
        )
        try:
            client.ping()
        except redis.RedisError as exc:
            raise ServiceUnavailable(_one_line(exc)) from exc
        finally:
            client.close()
        self.detail = "ping ok"


@dataclasses.dataclass
class WorkersCheck(_Reports):
    """Celery workers that answer a ping within the timeout (the library's Ping also lists every
    worker's queues, a second round trip; one is enough to know they are there)."""

    # ready: HEALTHZ_CELERY_TIMEOUT (inside its 1 s); the full report: HEALTHZ_CELERY_FULL_TIMEOUT,
    # long enough for a busy worker to answer.
    full: bool = False

    def __post_init__(self) -> None:
        self.seconds = (
            settings.HEALTHZ_CELERY_FULL_TIMEOUT if self.full else settings.HEALTHZ_CELERY_TIMEOUT
        )
        # The ping always waits its whole timeout (it does not know how many workers to expect):
        # the check's own bound must leave it room to return.
        self.timeout = _seconds(self.seconds + 0.2 if not self.full else self.seconds + 0.5)

    def run(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.detail = "eager (tasks run in-process)"
            return
        from jinzhong_crm.celery import app

        # A connection of its own whose read timeout outlasts kombu's 1 s BRPOP: with the request
        # path's 0.5 s, a reply arriving while a BRPOP is outstanding is lost (the worker seems
        # absent). A hung Redis still frees this thread after that timeout.
        options = {"socket_timeout": self.seconds + 1.5}
        try:
            with app.connection_for_write(transport_options=options) as connection:
                replies = app.control.ping(timeout=self.seconds, connection=connection) or []
        except Exception as exc:  # broker down or hung: kombu / redis-py errors
            raise ServiceUnavailable(_one_line(exc)) from exc
        names = sorted(name for reply in replies for name in reply)
        if not names:
            raise ServiceUnavailable("no worker answered")
        self.detail = f"{len(names)} worker(s): " + ", ".join(names)


class _DatabaseReport(_Reports):
    """Reads one figure from the database in this check's own thread (and closes that thread's
    connection after)."""

    def __post_init__(self) -> None:
        self.timeout = _seconds(settings.HEALTHZ_DATABASE_TIMEOUT)

    def run(self) -> None:
        try:
            self.measure()
        finally:
            connection.close()

    def measure(self) -> None:
        raise NotImplementedError


@dataclasses.dataclass
class BeatCheck(_DatabaseReport):
    """Age of the heartbeat that beat schedules every sweep period and a worker records."""

    def measure(self) -> None:
        from core.models import Heartbeat
        from core.tasks import BEAT

        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.detail = "eager (no beat in the embedded default)"
            return
        beat = Heartbeat.objects.filter(name=BEAT).first()
        limit = settings.HEALTHZ_BEAT_MAX_AGE
        if beat is None:
            raise ServiceUnavailable("no heartbeat recorded yet: is celery beat running?")
        age = (timezone.now() - beat.beat_at).total_seconds()
        if age > limit:
            raise ServiceUnavailable(
                f"last heartbeat {age:.0f} s ago (limit {limit} s): beat or the workers stopped"
            )
        self.detail = f"last heartbeat {age:.0f} s ago"


@dataclasses.dataclass
class OutboxCheck(_DatabaseReport):
    """Rollup refreshes waiting in the outbox, and how long the oldest has waited."""

    def measure(self) -> None:
        from django.db.models import Count, Min

        from rollups.models import Outbox

        found = Outbox.objects.aggregate(rows=Count("id"), oldest=Min("created_at"))
        if not found["rows"]:
            self.detail = "backlog 0"
            return
        age = (timezone.now() - found["oldest"]).total_seconds()
        self.detail = f"backlog {found['rows']}, oldest {age:.0f} s"
        if age > settings.HEALTHZ_BEAT_MAX_AGE:
            raise ServiceWarning(f"{self.detail}: the sweep is not draining it")


@dataclasses.dataclass
class DriftCheck(_DatabaseReport):
    """Cells the last full rebuild found wrong (must be 0)."""

    def measure(self) -> None:
        from rollups.models import RollupStatus

        status = RollupStatus.objects.filter(pk=1).first()
        if status is None or status.rebuilt_at is None:
            self.detail = "no full rebuild yet"
            return
        self.detail = f"drift {status.last_drift} at {status.rebuilt_at.isoformat()}"
        if status.last_drift:
            raise ServiceWarning(self.detail)


@dataclasses.dataclass
class ReplicaCheck(_Reports):
    """The streaming replica's lag (REPLICA_URL): seconds since the last replayed transaction when
    WAL is waiting to be replayed (0 when it has replayed all it received), and bytes of WAL the
    primary has written that the replica has not replayed yet."""

    def __post_init__(self) -> None:
        self.timeout = _seconds(settings.HEALTHZ_DATABASE_TIMEOUT)

    def run(self) -> None:
        from django.db import connections

        replica = connections["replica"]
        try:
            with replica.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
                    " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
                )
                in_recovery, replayed, seconds = cursor.fetchone()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [replayed])
                behind = int(cursor.fetchone()[0] or 0)
        except Exception as exc:  # replica down: psycopg's errors
            raise ServiceUnavailable(_one_line(exc)) from exc
        finally:
            replica.close()
            connection.close()
        if not in_recovery:
            raise ServiceWarning("REPLICA_URL names a database that is not a replica")
        lag = float(seconds or 0)
        self.detail = f"lag {lag:.3f} s, {behind} bytes behind"
        if lag > settings.HEALTHZ_REPLICA_MAX_LAG:
            raise ServiceWarning(self.detail)


@dataclasses.dataclass
class MediaDiskCheck(_Reports):
    def run(self) -> None:
        root = settings.MEDIA_ROOT
        probe = root if root.exists() else root.parent
        usage = shutil.disk_usage(probe)
        free_mb = usage.free // (1024 * 1024)
        self.detail = f"{free_mb} MB free of {usage.total // (1024 * 1024)} MB at {root}"
        if free_mb < settings.HEALTHZ_MEDIA_MIN_FREE_MB:
            raise ServiceWarning(self.detail)


async def _bounded(check: HealthCheck, executor: ThreadPoolExecutor) -> HealthCheckResult:
    """The library's result, but within the check's own timeout (the library allows one more
    second for a client's own timeout to report, which would break ready's 1 s budget)."""
    seconds = check.timeout.total_seconds()
    try:
        return await asyncio.wait_for(check.get_result(executor), seconds)
    except TimeoutError:
        return HealthCheckResult(check, ServiceUnavailable(f"no answer in {seconds:g} s"), seconds)


def run_checks(checks: dict[str, HealthCheck]) -> dict[str, HealthCheckResult]:
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")

    async def gather() -> list[HealthCheckResult]:
        return await asyncio.gather(*(_bounded(check, executor) for check in checks.values()))

    try:
        # A loop of its own in a thread of its own: the calling thread may already run an event
        # loop (an ASGI server's, or a browser test driver's), where asyncio.run() refuses to.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz-loop") as loop:
            results = loop.submit(asyncio.run, gather()).result()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)  # a hung check must not hold the reply
    return dict(zip(checks, results, strict=True))


def _reply(checks: dict[str, HealthCheck], failing: set[str]) -> JsonResponse:
    results = run_checks(checks)
    failed = {name for name, result in results.items() if result.error and name in failing}
    degraded = any(result.error for result in results.values())
    body = {
        "status": "down" if failed else ("degraded" if degraded else "ok"),
        "checks": {
            name: {
                "ok": result.error is None,
                "detail": str(result.error) if result.error else result.check.detail,
                "fails_probe": name in failing,
                "seconds": round(result.time_taken, 3),
            }
            for name, result in results.items()
        },
    }
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process answers: no database, no Redis."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": DatabaseCheck(), "redis": RedisCheck(), "celery": WorkersCheck()}
    return _reply(checks, failing={"database"})


@never_cache
@require_GET
def full(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": DatabaseCheck(),
        "redis": RedisCheck(),
        "celery": WorkersCheck(full=True),
        "beat": BeatCheck(),
        "outbox": OutboxCheck(),
        "drift": DriftCheck(),
        "media_disk": MediaDiskCheck(),
    }
    if "replica" in settings.DATABASES:
        checks["replica"] = ReplicaCheck()
    return _reply(checks, failing=set(checks))
