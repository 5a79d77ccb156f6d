"""Exactly one `celery beat`: beat holds a PostgreSQL advisory lock for as long as it runs, on a
connection of its own. A second beat (on this host or another) finds the lock taken and exits with
one line, so no periodic task is ever sent twice. The lock goes with the process: when beat dies,
PostgreSQL drops its connection and the lock, and systemd's restart (or another host's beat)
takes over.

The embedded default (SQLite) runs no beat: tasks run in-process.
"""

from __future__ import annotations

import sys

from django.conf import settings

# Any fixed 64-bit number, the same for every beat of this installation: "jzbeat" in ASCII.
LOCK_ID = 0x6A7A62656174
EXIT_CODE = 3
_held: list = []  # the connection holding the lock, kept open for the life of the process


def acquire_or_exit() -> None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg2

    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        connect_timeout=5,
        application_name="celery beat (lock holder)",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_ID])
        (got_it,) = cursor.fetchone()
    if not got_it:
        conn.close()
        print(
            "Another celery beat is already running for this database (it holds the beat lock); "
            "this one exits. Run exactly one beat: stop the other first.",
            file=sys.stderr,
            flush=True,
        )
        sys.exit(EXIT_CODE)
    _held.append(conn)
