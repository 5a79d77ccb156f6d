"""Check configuration before a process starts, and say in ONE line what is wrong and what to do,
instead of a traceback wall.

Every entry point runs `run_or_exit()`: manage.py, the WSGI app (gunicorn) and the Celery app when
started by the `celery` command (worker, beat). It checks:
- the settings load: SECRET_KEY, DATABASE_URL, REDIS_URL, DEBUG… (settings.py raises one-line
  ImproperlyConfigured messages that name the variable);
- the PostgreSQL server answers and the database that DATABASE_URL names exists.
Redis is not required to start: the site degrades without it (README "Operations").

`python -m jinzhong_crm.preflight [--need-postgres]` (the make targets) also requires Redis.
"""

from __future__ import annotations

import os
import sys

EXIT_CODE = 2
# gunicorn's "worker failed to boot": the arbiter stops instead of forking the worker again forever.
GUNICORN_BOOT_ERROR = 3


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def problem(*, database: bool = True) -> str | None:
    """What is wrong with the configuration, in one line, or None."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
    try:
        import django

        django.setup()
    except Exception as exc:  # ImproperlyConfigured and friends: the message names the variable
        return f"Configuration error: {_first_line(exc)}"
    if database:
        return database_problem()
    return None


def database_problem(*, server_only: bool = False) -> str | None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None  # SQLite: `migrate` creates the file
    import psycopg2

    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    params = {
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "connect_timeout": 3,
    }
    try:
        psycopg2.connect(dbname="postgres" if server_only else db["NAME"], **params).close()
        return None
    except psycopg2.OperationalError as exc:
        reason = _first_line(exc)
    try:  # is it the server, or the database name?
        psycopg2.connect(dbname="postgres", **params).close()
    except psycopg2.OperationalError:
        return (
            f"DATABASE_URL: PostgreSQL at {where} is not reachable ({reason}); start PostgreSQL "
            "or fix the host, port, user or password in DATABASE_URL."
        )
    if "does not exist" in reason:
        return (
            f"DATABASE_URL names database {db['NAME']!r}, which does not exist at {where}: "
            f"create it (createdb -h {db.get('HOST') or 'localhost'} -U {db.get('USER') or ''} "
            f"{db['NAME']}) or fix the name in DATABASE_URL."
        )
    return f"DATABASE_URL: cannot open database {db['NAME']!r} at {where} ({reason})."


def run_or_exit(*, database: bool = True, code: int = EXIT_CODE) -> None:
    """For entry points: print the one line to stderr and exit non-zero when something is wrong."""
    found = problem(database=database)
    if found:
        print(found, file=sys.stderr, flush=True)
        sys.exit(code)


def main(argv: list[str]) -> int:
    # The suite's own database is created by the test runner: only the server must answer.
    need_postgres = "--need-postgres" in argv
    found = problem(database=not need_postgres)
    if found:
        print(found, file=sys.stderr)
        return EXIT_CODE
    from django.conf import settings

    if need_postgres:
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            print(
                "DATABASE_URL: the test suite needs PostgreSQL: set it to a postgres:// URL.",
                file=sys.stderr,
            )
            return EXIT_CODE
        found = database_problem(server_only=True)
        if found:
            print(found, file=sys.stderr)
            return EXIT_CODE
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            ).ping()
        except redis.RedisError as exc:
            print(
                f"REDIS_URL: Redis at {settings.REDIS_URL} is not reachable ({_first_line(exc)}); "
                "start it with 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 "
                '--save "" --appendonly no\' or fix REDIS_URL.',
                file=sys.stderr,
            )
            return EXIT_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
