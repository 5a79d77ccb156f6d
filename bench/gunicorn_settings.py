"""Settings for the benchmark's gunicorn: the site's, plus the floor view's URL."""

from jinzhong_crm.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
