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
