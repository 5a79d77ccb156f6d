"""`python -m jinzhong_crm.preflight [--need-postgres]`: check configuration and services before a
make target starts, and say in one sentence what is wrong instead of a traceback wall."""

import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
    try:
        import django

        django.setup()
    except Exception as exc:  # ImproperlyConfigured and friends: show the message only
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"Configuration error: {first}", file=sys.stderr)
        return 2

    from django.conf import settings

    from core import health

    db = settings.DATABASES["default"]
    if "--need-postgres" in argv and db["ENGINE"] != "django.db.backends.postgresql":
        print(
            "The test suite needs PostgreSQL: set DATABASE_URL to a postgres:// URL.",
            file=sys.stderr,
        )
        return 2
    where = f"{db.get('HOST') or 'local'}:{db.get('PORT') or ''}/{db.get('NAME')}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        check = _postgres_server_reachable(db)
        if not check.ok:
            print(
                f"PostgreSQL at {where} is not reachable ({check.detail}); start it with "
                "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' "
                "or fix DATABASE_URL.",
                file=sys.stderr,
            )
            return 2
    redis = health.check_redis()
    if not redis.ok:
        print(
            f"Redis at {settings.REDIS_URL} is not reachable ({redis.detail}); start it with "
            "'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no' "
            "or fix REDIS_URL.",
            file=sys.stderr,
        )
        return 2
    return 0


def _postgres_server_reachable(db: dict):
    """Connect to the server's maintenance database: the app database may not exist yet (tests)."""
    import psycopg2

    from core.health import Check

    try:
        psycopg2.connect(
            dbname="postgres",
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            connect_timeout=3,
        ).close()
        return Check(True, "ok")
    except Exception as exc:
        return Check(
            False, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
