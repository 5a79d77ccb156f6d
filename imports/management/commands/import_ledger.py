"""python manage.py import_ledger PATH [--kind projects] [--dry-run]

Checks every row first; prints each error as row, column, reason and exits non-zero without
importing anything when there is one. Runs as the system (no region restriction) unless --user.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from imports import services
from imports.models import ImportBatch, Kind


class Command(BaseCommand):
    help = "Import an Excel/CSV ledger (projects, enterprises, events with signings, funds in place or targets)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", choices=Kind.values, default=Kind.PROJECTS)
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument("--user", help="Import as this user (their region rules apply).")

    def handle(self, *args, path, kind, dry_run, user=None, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No such user: {user}")
        batch = services.import_file(
            kind=kind, data=file.read_bytes(), filename=file.name, by=by, dry_run=dry_run
        )
        errors = [(r["row"], col, reason) for r in batch.preview for col, reason in r["errors"]]
        if batch.status == ImportBatch.Status.REJECTED or (
            batch.status == ImportBatch.Status.FAILED and not errors
        ):
            raise CommandError(batch.message)
        for row, col, reason in errors:
            self.stdout.write(f"{row}\t{col or '-'}\t{reason}")
        summary = batch.summary
        line = (
            f"new {summary.get('new', 0)}, update {summary.get('update', 0)}, "
            f"unchanged {summary.get('unchanged', 0)}, error {summary.get('error', 0)}"
        )
        if errors:
            raise CommandError(f"{len(errors)} errors; nothing imported ({line}).")
        if dry_run:
            self.stdout.write(f"Dry run, nothing imported: {line}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported batch #{batch.pk}: {line}"))
