"""Configuration: production settings are deploy-clean, bad settings fail in one readable line,
and the embedded default (what `make run` uses) works on its own."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
STRIP = {
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "HTTPS",
    "SECRET_KEY",
    "DEMO",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in STRIP}
    env.update(extra)
    return env


def _run(args: list[str], env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    env = _env(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/jinzhong_crm",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY="a-long-production-secret-" + "x7Kq2#" * 10,
        ALLOWED_HOSTS="crm.jinzhong.example",
    )
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_is_one_clear_line():
    env = _env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/jinzhong_crm")
    result = _run(["-m", "jinzhong_crm.preflight"], env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Configuration error: SECRET_KEY is not set (DEBUG is off)")


def test_unreachable_database_is_named_in_one_line():
    env = _env(DATABASE_URL="postgres://postgres@127.0.0.1:5999/nowhere", DEBUG="1")
    result = _run(["-m", "jinzhong_crm.preflight"], env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("DATABASE_URL: PostgreSQL at 127.0.0.1:5999 ")
    assert "is not reachable" in lines[0]


def test_redis_down_is_named_in_one_line():
    env = _env(REDIS_URL="redis://127.0.0.1:6390/0")
    result = _run(["-m", "jinzhong_crm.preflight"], env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "REDIS_URL: Redis at redis://127.0.0.1:6390/0 is not reachable"
    )


def test_embedded_default_migrates_loads_demo_and_serves_pages(tmp_path, embedded_demo_file):
    # `make run`'s migrate and load_demo ran (and succeeded) in the session's embedded_demo_file.
    shutil.copyfile(embedded_demo_file, tmp_path / "embedded.sqlite3")
    env = _env(SQLITE_PATH=str(tmp_path / "embedded.sqlite3"))
    for args in (
        # The dashboards of `make run` are right: the in-process refreshes after the demo's
        # events and chain data (SQLite's own SQL path) left the rollups equal to a live count.
        ["manage.py", "verify_rollups"],
        ["manage.py", "load_demo"],
    ):
        result = _run(args, env, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
    probe = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jinzhong_crm.settings');"
        "django.setup();"
        "from django.conf import settings; from django.test import Client;"
        "assert settings.EMBEDDED and settings.CELERY_TASK_ALWAYS_EAGER;"
        "assert settings.DATABASES['default']['ENGINE'].endswith('sqlite3');"
        "c = Client(HTTP_HOST='127.0.0.1');"
        "assert c.get('/accounts/login/').status_code == 200;"
        "assert c.login(username='admin', password='demo12345');"
        "r = c.get('/'); assert r.status_code == 200, r.status_code;"
        "assert '晋中' in r.content.decode();"
        "assert c.get('/admin/').status_code == 200;"
        "assert c.get('/admin/core/region/').status_code == 200;"
        "from core.models import Region; assert Region.objects.count() == 13;"
        # An edit that moves a signed project to another county refreshes in-process.
        "from projects.models import Project;"
        "from projects.services import project_update; from rollups.refresh import compare_with_live;"
        "p = Project.objects.filter(signed_on__isnull=False).exclude(region__code='140702').first();"
        "project_update(project=p, by=None, region=Region.objects.get(code='140702'));"
        "d = compare_with_live(); assert d.drift == 0, d;"
        "print('EMBEDDED-OK')"
    )
    result = _run(["-c", probe], env, timeout=120)
    assert "EMBEDDED-OK" in result.stdout, result.stdout + result.stderr
