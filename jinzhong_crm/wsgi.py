"""The WSGI app (gunicorn jinzhong_crm.wsgi). A bad setting or a missing database stops the worker
with one line (jinzhong_crm/preflight.py) rather than a traceback per request."""

import os

from django.core.wsgi import get_wsgi_application

from jinzhong_crm.preflight import GUNICORN_BOOT_ERROR, run_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinzhong_crm.settings")
run_or_exit(code=GUNICORN_BOOT_ERROR)
application = get_wsgi_application()
