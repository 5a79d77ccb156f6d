"""WSGI application for the benchmark's gunicorn (DJANGO_SETTINGS_MODULE=bench.gunicorn_settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.gunicorn_settings")
application = get_wsgi_application()
