"""`python manage.py backup DEST [--keep N]`: one consistent backup of an installation.

Writes DEST/jinzhong-<UTC time>/ holding
- `database.dump`: `pg_dump -Fc` (one transaction snapshot of the whole database);
- `media.tar.gz`: MEDIA_ROOT (attachments, uploaded ledgers), taken right after the dump, so a file
  uploaded in between is an unreferenced extra, never a missing one (deletions are rare: admin only);
- `manifest.json`: each file's size and sha256, the schema version (last migration of every app),
  the outbox backlog (rollup refreshes not yet applied; `restore` drains them) and row counts.
Prints one line. docs/OPERATIONS.md has the procedure and the nightly timer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

PREFIX = "jinzhong-"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_env_and_args(db: dict) -> tuple[dict, list[str]]:
    """Connection options for pg_dump / pg_restore from Django's settings (password by env)."""
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, args


def schema_version() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc) and MEDIA_ROOT with a manifest (sizes, sha256)."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="folder that receives jinzhong-<time>/")
        parser.add_argument(
            "--keep", type=int, default=0, help="keep only the newest N backups there (0: all)"
        )

    def handle(self, *args, destination: str, keep: int, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("backup needs PostgreSQL (DATABASE_URL); SQLite is for trying only.")
        started = dt.datetime.now(dt.UTC)
        target = Path(destination) / f"{PREFIX}{started:%Y%m%dT%H%M%S%fZ}"
        target.mkdir(parents=True)
        outbox = apps.get_model("rollups", "Outbox").objects.count()
        projects = apps.get_model("projects", "Project").all_objects.count()

        env, conn_args = pg_env_and_args(db)
        dump = target / "database.dump"
        done = subprocess.run(  # noqa: S603  (fixed arguments; the password goes by environment)
            ["pg_dump", "-Fc", "--no-owner", "--no-privileges", *conn_args, "-f", str(dump)]
            + [str(db["NAME"])],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise CommandError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1:]}")

        media = target / "media.tar.gz"
        media_root = Path(settings.MEDIA_ROOT)
        files = 0
        with tarfile.open(media, "w:gz") as tar:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media_root)))
                        files += 1

        manifest = {
            "created_at": started.isoformat(),
            "database": db["NAME"],
            "files": {
                name: {"bytes": (target / name).stat().st_size, "sha256": sha256_of(target / name)}
                for name in ("database.dump", "media.tar.gz")
            },
            "media_files": files,
            "schema": schema_version(),
            "outbox_backlog": outbox,
            "projects": projects,
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))

        if keep > 0:
            backups = sorted(p for p in Path(destination).glob(f"{PREFIX}*") if p.is_dir())
            for old in backups[:-keep]:
                shutil.rmtree(old)
        sizes = ", ".join(f"{n} {v['bytes']:,} bytes" for n, v in manifest["files"].items())
        self.stdout.write(
            f"backup {target}: {sizes}; {files} media files; {projects} projects; "
            f"outbox backlog {outbox}"
        )
