import pytest
from django.core.management import call_command
from django.db import OperationalError


@pytest.fixture(scope="package")
def dashboard_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the whole tests/dashboards package (every module reads it; each
    test runs in its own rolled-back transaction through the `db` fixture). Loaded and removed as
    tests/conftest.py's module-scoped `demo_data` does."""
    from jinzhong_crm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_db_blocker.unblock():
            call_command("load_demo", verbosity=0)
    finally:
        app.conf.task_always_eager = eager
    yield
    with django_db_blocker.unblock():
        for attempt in range(3):  # a worker finishing a task may deadlock one TRUNCATE: retry
            try:
                call_command("flush", interactive=False, verbosity=0)
                break
            except OperationalError:
                if attempt == 2:
                    raise
