import pytest

from tests.conftest import demo_loaded


@pytest.fixture(scope="package")
def dashboard_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the whole tests/dashboards package (every module reads it; each
    test runs in its own rolled-back transaction through the `db` fixture), as tests/conftest.py's
    module-scoped `demo_data` loads it."""
    with demo_loaded(django_db_blocker, tmp_path_factory):
        yield
