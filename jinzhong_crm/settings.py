"""One settings module for every environment, driven by environment variables.

With no variables at all the project runs in its *embedded default*: SQLite in the project folder,
Celery tasks executed in-process, DEBUG on. Setting DATABASE_URL and REDIS_URL switches to PostgreSQL,
Redis and a real worker; DEBUG then defaults to off and SECRET_KEY becomes mandatory. `.env.example`
lists every variable.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
import orjson
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def _env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but a clear yes/no is a configuration error, not False."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


DATABASE_URL = env.str("DATABASE_URL", default="").strip()
REDIS_URL = env.str("REDIS_URL", default="").strip()


def _check_redis_url(url: str) -> None:
    """A malformed REDIS_URL otherwise surfaces as kombu's "No module named 'redis//127'"."""
    parts = urlsplit(url)
    try:
        database = parts.path.strip("/")
        valid = (
            parts.scheme in {"redis", "rediss"}
            and bool(parts.hostname)
            and (parts.port is None or parts.port > 0)
            and (database == "" or database.isdigit())
        ) or (parts.scheme == "unix" and bool(parts.path))
    except ValueError:  # a port that is not a number
        valid = False
    if not valid:
        raise ImproperlyConfigured(
            f"REDIS_URL={url!r} is not a Redis URL: use redis://HOST:6379/DB, e.g. "
            "redis://127.0.0.1:6379/0 (see .env.example)."
        )


if REDIS_URL:
    _check_redis_url(REDIS_URL)
# Embedded default: nothing configured, so SQLite and in-process tasks (`make run` on a bare machine).
EMBEDDED = not DATABASE_URL
DEBUG = _env_bool("DEBUG", default=EMBEDDED)
# Demo users and data may be created only here or when explicitly asked for (never in production).
DEMO = _env_bool("DEMO", default=EMBEDDED)

_MAKE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set (DEBUG is off): set it to a random string, e.g. from {_MAKE_KEY}."
        )
    # Used only with DEBUG on (the embedded default); bandit B105 is expected here.
    SECRET_KEY = "embedded-development-key-not-for-production-use-0123456789abcdef"  # noqa: S105 # nosec B105
elif not DEBUG and (
    len(SECRET_KEY) < 32 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    # After Django's deploy check (security.W009, which asks 50): a short or guessable key signs
    # forgeable sessions.
    raise ImproperlyConfigured(
        f"SECRET_KEY is too short or too simple (32+ varied characters): make one with {_MAKE_KEY}."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "core",
    "accounts",
    "savedviews",
    "enterprises",
    "projects",
    "events",
    "rollups",
    "targets",
    "chains",
    "dashboards",
    "imports",
    "lights",
    "notifications",
    "verification",
    "scoring",
    "search",
    "demo",
]

MIDDLEWARE = [
    "core.requestinfo.RequestIDMiddleware",
    # A page that needs a service which is down answers 503 + Retry-After, not 500.
    "core.unavailable.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Compresses the HTML and JSON pages, and under DEBUG (`make run`) the static files whitenoise
    # serves straight from static/ (it sits above whitenoise for that). Collected static files carry
    # their own .br/.gz copies (Content-Encoding set), which it leaves alone. Django's GZip adds
    # random padding against BREACH (Heal The Breach) since 4.2.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Administrators' second factor: request.user.is_verified(), then the code step (accounts/otp.py).
    "django_otp.middleware.OTPMiddleware",
    "accounts.otp.SecondFactorMiddleware",
    # An API POST repeated with the same Idempotency-Key gets the first response (core/idempotency.py).
    "core.idempotency.IdempotencyKeyMiddleware",
    # Dashboards and API lists read from the replica when REPLICA_URL is set (jinzhong_crm/replica.py).
    "jinzhong_crm.replica.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' documented place).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jinzhong_crm.urls"
WSGI_APPLICATION = "jinzhong_crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))
_DATABASE_URL_HELP = "use postgres://USER:PASSWORD@HOST:5432/NAME (see .env.example)"
try:
    with warnings.catch_warnings():  # "Engine not recognized": reported below, in one line
        warnings.simplefilter("ignore")
        DATABASES = {"default": env.db_url_config(DATABASE_URL or f"sqlite:///{SQLITE_PATH}")}
except Exception as exc:  # django-environ raises several types for a malformed URL
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a valid database URL ({type(exc).__name__}): {_DATABASE_URL_HELP}."
    ) from exc
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
} or not DATABASES["default"].get("NAME"):
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r} is not a PostgreSQL URL with a database name: "
        f"{_DATABASE_URL_HELP}."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
# A PostgreSQL streaming replica (optional): dashboards and the API's lists read from it, everything
# else from the primary (jinzhong_crm/replica.py). A client reads its own writes from the primary
# for REPLICA_STICKY_SECONDS after it wrote.
REPLICA_URL = env.str("REPLICA_URL", default="").strip()
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
# /healthz fails when the replica's replay is further behind than this (seconds).
HEALTHZ_REPLICA_MAX_LAG = env.float("HEALTHZ_REPLICA_MAX_LAG", default=30)
if REPLICA_URL:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _replica = env.db_url_config(REPLICA_URL)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"REPLICA_URL is not a valid database URL ({type(exc).__name__}): {_DATABASE_URL_HELP}."
        ) from exc
    if (
        DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        or _replica.get("ENGINE") != "django.db.backends.postgresql"
        or not _replica.get("NAME")
    ):
        raise ImproperlyConfigured(
            "REPLICA_URL needs PostgreSQL for both DATABASE_URL and the replica: "
            f"{_DATABASE_URL_HELP}, or unset REPLICA_URL."
        )
    DATABASES["replica"] = {
        **_replica,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**_replica.get("OPTIONS", {}), "connect_timeout": 5},
        # Tests see the primary under both names (no second test database).
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["jinzhong_crm.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The rollup refresh's covering indexes (projects.models.Project.Meta) include non-key columns for
# PostgreSQL's index-only scans; SQLite (the embedded default) builds them without, as Django says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache, Celery --------------------------------------------------------------------------
# Every Redis call made while answering a request gives up after this many seconds (connect and
# read alike), so a stopped or hung Redis costs a request at most that, never a worker's whole
# timeout. The callers fail open (throttle), fall back to the outbox (rollup refresh) or answer 503.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
_REDIS_TIMEOUTS = {
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": dict(_REDIS_TIMEOUTS),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The in-process broker of the embedded default; named host, or kombu warns "No hostname was
# supplied" on the first eager task.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker, tasks run in the caller's process so `make run` needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Health (jinzhong_crm/health.py): each check has its own timeout (seconds), so /healthz/ready answers
# within a second even with Redis hung.
HEALTHZ_DATABASE_TIMEOUT = env.float("HEALTHZ_DATABASE_TIMEOUT", default=0.5)
HEALTHZ_REDIS_TIMEOUT = env.float("HEALTHZ_REDIS_TIMEOUT", default=0.3)
HEALTHZ_CELERY_TIMEOUT = env.float("HEALTHZ_CELERY_TIMEOUT", default=0.4)
HEALTHZ_CELERY_FULL_TIMEOUT = env.float("HEALTHZ_CELERY_FULL_TIMEOUT", default=1.0)
# The sweep (and the heartbeat beside it) run every this many seconds; /healthz fails when the
# heartbeat is older than three periods (beat stopped, or no worker runs what it sends).
SWEEP_PERIOD_SECONDS = env.int("SWEEP_PERIOD_SECONDS", default=60)
HEALTHZ_BEAT_MAX_AGE = 3 * SWEEP_PERIOD_SECONDS
# /healthz fails when the disk holding MEDIA_ROOT has less free than this (MB).
HEALTHZ_MEDIA_MIN_FREE_MB = env.int("HEALTHZ_MEDIA_MIN_FREE_MB", default=1024)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# A task is acknowledged only once it has finished, and re-queued if its worker dies mid-way:
# our tasks are idempotent, so running one twice is safe while losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_TIME_LIMIT = 30 * 60
# Must exceed the longest task, or Redis hands a still-running task to a second worker.
# An unacknowledged task (worker killed mid-task) is handed out again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    # A web request that publishes a task (after its commit) waits at most this long for Redis.
    **_REDIS_TIMEOUTS,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker never gives up on the broker (Celery's default, 100 retries, ends it after about 46
# minutes of Redis outage with "Unrecoverable error"): it retries for ever, waiting 2 s more each
# time up to kombu's cap of 30 s between tries. systemd restarts it as well (deploy/).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The one periodic schedule, in code; each entry says why it exists.
CELERY_BEAT_SCHEDULE: dict = {
    # Proves the beat -> broker -> worker path is alive; /healthz fails when it is 3 periods old.
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": float(SWEEP_PERIOD_SECONDS)},
    # Publishes what the broker never got: a save commits its outbox row even when Redis is down,
    # and this drains such rows within a minute of the broker coming back.
    "rollups-sweep-outbox": {
        "task": "rollups.tasks.sweep_outbox",
        "schedule": float(SWEEP_PERIOD_SECONDS),
    },
    # Recomputes every rollup from source at night and logs any drift (which must be zero), so a
    # lost or buggy refresh can never leave a wrong total for more than a day.
    "rollups-nightly-rebuild": {
        "task": "rollups.tasks.rebuild_rollups",
        "schedule": crontab(hour=2, minute=30),
    },
    # 亮灯: a project turns yellow or red as days pass, with no save to trigger a refresh; once a
    # night, after midnight Shanghai time, every light is recomputed as of the new day.
    "lights-nightly-refresh": {
        "task": "lights.tasks.refresh_lights",
        "schedule": crontab(hour=0, minute=20),
    },
    # The daily e-mail digest: written to the delivery table (one row per person and day, never
    # two), then sent; the retry job below re-sends what failed.
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    # Deliveries that failed (mail server down) are retried with backoff until they go out.
    "notifications-retry-deliveries": {
        "task": "notifications.tasks.send_pending_deliveries",
        "schedule": 300.0,
    },
}
# Edits within this many seconds share one refresh task (1,000 edits in a minute -> <= 60/N tasks).
ROLLUP_COALESCE_SECONDS = env.float("ROLLUP_COALESCE_SECONDS", default=2.0)
# How long "a drain is queued" is remembered; if that task is lost, the sweep covers the gap.
ROLLUP_DRAIN_PENDING_TTL = 60

# --- E-mail (the daily digest) -----------------------------------------------------------------
# EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:password@mail.example.gov.cn:587;
# without it mail is written to the console (`make run`).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="jinzhong-crm@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# 企业微信 / 钉钉 group robots (the digest as a text message): the hosts a person's webhook URL may
# name, per channel. Only these are ever called (a URL anyone types is not a door into the network).
WEBHOOK_HOSTS = {
    "wecom": env.list("WEBHOOK_HOSTS_WECOM", default=["qyapi.weixin.qq.com"]),
    "dingtalk": env.list("WEBHOOK_HOSTS_DINGTALK", default=["oapi.dingtalk.com"]),
}
WEBHOOK_TIMEOUT = env.int("WEBHOOK_TIMEOUT", default=10)
# The site's address as people reach it, for links in mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # At least three of: lower case, upper case, digits, symbols (等保 2.0 password complexity).
    {"NAME": "accounts.validators.CharacterClassValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user + IP before any password is checked.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    # What each role may do comes from the role (accounts/permissions.py), not from hand-kept groups.
    "accounts.permissions.RolePermissionBackend",
]
# Login lockout (django-axes): AXES_FAILURE_LIMIT failures for one username from one IP lock that
# pair for AXES_COOLOFF_MINUTES; another user at the same IP, or the same user elsewhere, may still
# log in, so an attacker cannot lock a colleague out from a different address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.requestinfo.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# Passwords and session ids never reach the attempt log.
AXES_SENSITIVE_PARAMETERS = ["password", "csrfmiddlewaretoken"]
# Superusers and city administrators enter a TOTP code (or a backup code) after their password.
# Off only in the demo, whose administrator logs in with the published demo password.
ADMIN_OTP_REQUIRED = _env_bool("ADMIN_OTP_REQUIRED", default=not DEMO)
OTP_TOTP_ISSUER = "Jinzhong CRM"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

# --- Security -------------------------------------------------------------------------------
# HTTPS is assumed whenever DEBUG is off; set HTTPS=0 only for a plain-HTTP test bench.
HTTPS = _env_bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): our own static files only. No inline <script>, no inline
# event handlers, no style="" attributes, nothing from a CDN; pass data with json_script. Images may be
# data: URIs because Tabler's CSS draws its small icons that way.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Behind nginx terminating TLS, trust its X-Forwarded-Proto (only then: the header is spoofable).
BEHIND_PROXY = _env_bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["jinzhong_crm.formats"]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.staticfiles.StaticFilesStorage"},
}
# Uploads live outside the web root and are never served by URL: core.files.serve_attachment checks
# who asks (MEDIA_URL is deliberately unused).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- REST framework: closed by default ------------------------------------------------------
# Token (knox: hashed, expiring) for scripts, the session for the browsable API; never Basic auth.
# Every endpoint needs a login unless it says otherwise (DRF's own default is AllowAny).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.auth.TokenAuthentication",  # knox's, one query (core/api/auth.py)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api.permissions.ReadOnlyTokenPermission",
    ],
    # JSON numbers become Decimal, never float: 12345678901234567.89 must not be rounded silently.
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.DecimalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    # Integer keys (a few read models key by id) as strings, as DRF's JSONRenderer does.
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS,),
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageOrCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
        "core.api.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="30/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
        # Password -> token: slow enough to make guessing passwords pointless.
        "token_create": env.str("API_THROTTLE_TOKEN_CREATE", default="10/min"),
    },
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
# The token model adds a name and a read-only flag to knox's hashed, expiring token.
# (A model name, not a secret: S105 / B105 below are false positives.)
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 # nosec B105
# knox's own AuthToken is swapped out, but its migrations would still create an unused table that
# points at users (and breaks `flush`): without migrations, the swapped model gets no table at all.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    # Tokens from POST /api/v1/auth/token/ live this long; tokens made on the profile page choose.
    "TOKEN_TTL": timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jinzhong investment-promotion CRM API",
    "DESCRIPTION": (
        "晋中市招商引资项目管理系统 数据接口 v1. Amounts are 万元 as decimal strings; dates ISO 8601. "
        "Authenticate with `POST /api/v1/auth/token/` and send `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "projects.models.Stage",
        "RegionKindEnum": "core.models.Region.Kind",
        "ParkKindEnum": "enterprises.models.IndustrialPark.Kind",
        "FollowUpKindEnum": "projects.models.FollowUp.Kind",
        "EventAgreementKindEnum": "events.models.EventAgreement.Kind",
        "MilestoneKindEnum": "verification.models.MilestoneKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries the request id (X-Request-ID, shown on the error page) to find a report.
    "filters": {"request_id": {"()": "core.requestinfo.RequestIDLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Failed logins and lockouts are WARNING; every successful login at INFO is noise.
        "axes": {"level": "WARNING"},
        # django-health-check logs every failed probe with a traceback; the reply says it already.
        "health_check": {"level": "ERROR"},
    },
}

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345")
# The county map uses old, schematic boundaries: internal use only (a public map needs 审图号).
SHOW_COUNTY_MAP = _env_bool("SHOW_COUNTY_MAP", default=True)
