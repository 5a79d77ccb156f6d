import pytest


@pytest.fixture(autouse=True)
def _static_files_by_plain_names(settings):
    """live_server serves /static/ through the staticfiles finders, which know only the original names,
    while the manifest storage makes {% static %} emit hashed ones: every script and stylesheet would
    404 and the browser tests would run on an unstyled page without JavaScript."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """The refresh a save queues runs in the process that saves (the test's, or live_server's
    thread), not on a session's real worker that an earlier module started: a drain still running
    there when the test ends holds row locks that the end-of-test flush (TRUNCATE) deadlocks
    against. The journeys (tests/journeys) keep the real worker."""
    from jinzhong_crm.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def page(page, live_server):
    """The browser page, closed once its network is idle and before live_server's database is
    emptied: a page asks for more after it loads (the bell's unread count, htmx on load), and a
    request still running in live_server's thread holds table locks that the end-of-test flush
    (TRUNCATE) deadlocks against."""
    yield page
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    finally:
        page.close()
