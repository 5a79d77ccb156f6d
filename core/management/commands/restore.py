"""`python manage.py restore BACKUP_DIR`: load a backup (from `manage.py backup`) into an EMPTY
database and an empty MEDIA_ROOT, then drain the outbox and verify the rollups. Prints one line.

Create the empty database first (`createdb -O crm jinzhong_crm`) and point DATABASE_URL at it.
Refuses to run when the database has tables or MEDIA_ROOT has files, or when a file does not match
the manifest's sha256.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup import pg_env_and_args, sha256_of


class Command(BaseCommand):
    help = "Restore a backup into an empty database and MEDIA_ROOT, drain the outbox, verify."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a jinzhong-<time>/ folder written by `backup`")

    def handle(self, *args, backup: str, **options):
        source = Path(backup)
        manifest_path = source / "manifest.json"
        if not manifest_path.is_file():
            raise CommandError(f"{source} has no manifest.json: not a backup folder.")
        manifest = json.loads(manifest_path.read_text())
        for name, expected in manifest["files"].items():
            path = source / name
            if not path.is_file() or sha256_of(path) != expected["sha256"]:
                raise CommandError(f"{path} is missing or does not match its sha256: not restored.")

        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("restore needs PostgreSQL (DATABASE_URL).")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"Database {db['NAME']!r} is not empty: restore into a new, empty database "
                    "(createdb), never over a live one."
                )
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.is_dir() and any(media_root.iterdir()):
            raise CommandError(
                f"MEDIA_ROOT {media_root} is not empty: point it at an empty folder."
            )

        env, conn_args = pg_env_and_args(db)
        connection.close()
        done = subprocess.run(  # noqa: S603  (fixed arguments; the password goes by environment)
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *conn_args]
            + ["-d", str(db["NAME"]), str(source / "database.dump")],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise CommandError(f"pg_restore failed: {done.stderr.strip().splitlines()[-1:]}")

        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
            tar.extractall(media_root, filter="data")
        files = sum(1 for path in media_root.rglob("*") if path.is_file())

        backlog = apps.get_model("rollups", "Outbox").objects.count()
        report = StringIO()
        try:
            call_command("verify_rollups", drain=True, stdout=report, stderr=report)
        except SystemExit as exc:
            raise CommandError(
                f"restored, but the rollups do not verify: {report.getvalue().strip()}"
            ) from exc
        projects = apps.get_model("projects", "Project").all_objects.count()
        self.stdout.write(
            f"restored {source.name} into {db['NAME']}: {projects} projects, {files} media files, "
            f"outbox drained ({backlog} rows), rollups verified"
        )
