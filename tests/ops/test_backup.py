"""Backup and restore round trip on PostgreSQL: `manage.py backup` of a database with undrained
outbox rows and uploaded files, `manage.py restore` (the real command) into a new empty database
and an empty MEDIA_ROOT; counts, sums and rollups are equal, attachments byte-identical."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from projects.models import Project, Stage
from rollups.models import Outbox
from tests.factories import make_project

BASE_DIR = Path(__file__).resolve().parents[2]
ROLLUP_TABLES = [
    "rollups_monthlyrollup",
    "rollups_regionmonthrollup",
    "rollups_regionmonthchainrollup",
    "rollups_stagerollup",
]


def _fingerprint(cursor) -> dict:
    """What must survive: counts, money sums, every rollup row."""
    found = {}
    cursor.execute("SELECT count(*), sum(planned_investment) FROM projects_project")
    found["projects"] = cursor.fetchone()
    for table in ROLLUP_TABLES:
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) "  # noqa: S608
            f"FROM (SELECT * FROM {table}) t"
        )
        found[table] = cursor.fetchone()
    return found


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _admin_connection():
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres",
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
    )
    conn.autocommit = True
    return conn


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database_gives_the_same_data(
    reference_data, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments" / "2024").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "2024" / "合同.pdf").write_bytes(os.urandom(50_000))
    (settings.MEDIA_ROOT / "imports").mkdir()
    (settings.MEDIA_ROOT / "imports" / "台账.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(999))
    for amount in ("1200.5", "30000", "0.25"):
        make_project(amount=amount, stage=Stage.LEAD)
    make_project(amount="880", stage=Stage.SIGNED, signed_on=dt.date(2024, 3, 1))
    assert Outbox.objects.exists()  # refreshes not applied yet: the restore must drain them

    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outbox_backlog"] == Outbox.objects.count()
    assert manifest["media_files"] == 2 and manifest["schema"]["core"]
    assert all(len(f["sha256"]) == 64 and f["bytes"] > 0 for f in manifest["files"].values())

    # The source's own refreshes applied, so its rollups are what the restored copy must hold.
    call_command("verify_rollups", drain=True)
    with connection.cursor() as cursor:
        expected = _fingerprint(cursor)
    assert expected["projects"] == (4, Decimal("32080.750000"))

    s = connection.settings_dict
    target = f"{s['NAME']}_restore"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{target}"
        restored_media = tmp_path / "restored-media"
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "restore", str(folder)],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(restored_media)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 1 and "rollups verified" in lines[0], done.stdout

        restored = psycopg2.connect(
            dbname=target,
            user=s["USER"] or None,
            password=s["PASSWORD"] or None,
            host=s["HOST"] or None,
            port=s["PORT"] or None,
        )
        try:
            with restored.cursor() as cursor:
                assert _fingerprint(cursor) == expected
                cursor.execute("SELECT count(*) FROM rollups_outbox")
                assert cursor.fetchone()[0] == 0  # drained
        finally:
            restored.close()
        assert _files(restored_media) == _files(settings.MEDIA_ROOT)

        # Never over a database that has data.
        again = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "restore", str(folder)],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "x")},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()
    assert Project.all_objects.count() == 4
