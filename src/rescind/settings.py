"""Django settings. Everything a deployment changes comes from RESCIND_* environment variables."""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from rescind.domain.policy import parse_duration
from rescind.translations import catalogs


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _prepared_statements() -> bool:
    """RESCIND_DATABASE_PREPARED_STATEMENTS: on (the default; 1, true, yes) or off (0, false,
    no); anything else is refused, so that a typo cannot leave them on behind a pooler."""
    name = "RESCIND_DATABASE_PREPARED_STATEMENTS"
    value = os.environ.get(name, "on").strip().lower() or "on"
    if value not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise ImproperlyConfigured(f"{name} must be on or off, not {value!r}")
    return value in {"1", "true", "yes", "on"}


def _retention(name: str, default: str) -> timedelta:
    """A retention period of rescind.pruning: a duration ('30d', '24h') of at least an hour
    (an idempotency record must outlive its request by far)."""
    value = parse_duration(os.environ.get(name) or default)
    if value < timedelta(hours=1):
        raise ImproperlyConfigured(f"{name} must be a duration of at least 1h, e.g. {default}")
    return value


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("RESCIND_VAR_DIR", Path.cwd() / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Known to everyone who reads this file: fine for the demo and tests, refused elsewhere by the
# system check rescind.E001 (rescind/security_checks.py), which `rescind serve`, `rescind worker`
# and `rescind migrate` run before they start.
BUILTIN_SECRET_KEY = "dev-only-secret-change-me-in-production"
SECRET_KEY = os.environ.get("RESCIND_SECRET_KEY") or BUILTIN_SECRET_KEY
DEBUG = os.environ.get("RESCIND_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("RESCIND_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
# Demo mode: the shared clock can be moved forward (`rescind clock advance 3d`).
DEMO_MODE = os.environ.get("RESCIND_DEMO_MODE", "") == "1"

# HTTPS (issue 12). Off by default so `rescind serve` works over plain HTTP on a laptop; a
# production deployment behind TLS sets them all (README, docs/deployment.md), and
# `manage.py check --deploy` names any that is missing.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _flag("RESCIND_SECURE_COOKIES")
SECURE_SSL_REDIRECT = _flag("RESCIND_SSL_REDIRECT")
# A load balancer probes these over plain HTTP inside the network; a redirect would fail it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("RESCIND_HSTS_SECONDS") or "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("RESCIND_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("RESCIND_HSTS_PRELOAD")
# The header a TLS-terminating proxy sets to "https", e.g. X-Forwarded-Proto. Only set it when
# the proxy always overwrites that header: otherwise a client could claim HTTPS.
_PROXY_SSL_HEADER = os.environ.get("RESCIND_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
# Origins (scheme://host) a POST may come from besides the host itself: only needed when the
# proxy does not pass the public Host header through.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("RESCIND_CSRF_TRUSTED_ORIGINS", "")
                        .split(",") if o.strip()]
# How many reverse proxies append to X-Forwarded-For in front of the app: the client address
# the login throttle counts is that many entries from the right (0: the socket's address).
RESCIND_PROXY_COUNT = int(os.environ.get("RESCIND_PROXY_COUNT") or "0")
RESCIND_POLICY_FILE = os.environ.get("RESCIND_POLICY_FILE") or None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Listed so its docs page loads swagger-ui from the package's own static files, not a CDN.
    "ninja",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rescind.clock",
    "rescind.accounts",
    "rescind.orders",
    "rescind.aftersale",
    "rescind.coupons",
    "rescind.notifications",
    "rescind.refunds",
    "rescind.messaging",
    "rescind.disputes",
    "rescind.api",
    "rescind.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rescind.api.caching.ApiNoStoreMiddleware",
    "rescind.api.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Issue 15: the signed-in reader's language, then the cookie, then Accept-Language; their
    # time zone (replaces Django's LocaleMiddleware, which cannot see the user).
    "rescind.accounts.middleware.ReaderMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rescind.web.live.ServerNowMiddleware",
    "rescind.api.idempotency.IdempotencyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rescind.urls"
WSGI_APPLICATION = "rescind.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rescind.web.context.rescind_context",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("RESCIND_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'rescind.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Kept open like PostgreSQL's: closing the last connection to a WAL database checkpoints
        # it, which cost a web request about 4 ms (bench/http_profile.py).
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN: SQLite's stand-in for SELECT ... FOR UPDATE,
            # so every service transaction on one order is serialised (R14).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not memory: browser tests and concurrency tests reach it from other threads
        # and processes. One per test process, so parallel runs never share one.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    else:
        # Safe behind PgBouncer in transaction mode (docs/deployment.md); nothing iterates.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        if _prepared_statements():
            # psycopg prepares a statement on the server at its 5th run on a connection, so
            # PostgreSQL no longer parses and plans it each time: 40% less of its CPU for a
            # cancellation request (docs/benchmarks.md, section 2). Django leaves this off for
            # poolers that cannot keep prepared statements (docs/deployment.md, PgBouncer). The
            # cursor binds a statement of over 65,535 parameters on the client instead.
            from rescind.postgres_cursor import PreparingCursor

            config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5,
                                 "cursor_factory": PreparingCursor}
        config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "refunds"],  # refunds: rescind.refunds.tasks, run first
    }
}
# A task claimed (RUNNING) longer than this is taken to be abandoned by a worker that died
# (SIGKILL, OOM, lost host) and is queued again; see rescind.worker.tasks_requeue_abandoned.
# Longer than any task runs: the slowest is a notification fan-out with 10 s SMTP timeouts
# (each webhook delivery is its own task, bounded by RESCIND_WEBHOOK_DEADLINE_SECONDS).
RESCIND_TASK_LEASE_SECONDS = float(os.environ.get("RESCIND_TASK_LEASE_SECONDS", "600"))
# Webhooks (notifications/webhook_http.py): one attempt, from name resolution to the answer's
# status line, ends after this many seconds however the receiver trickles its answer.
RESCIND_WEBHOOK_DEADLINE_SECONDS = float(os.environ.get("RESCIND_WEBHOOK_DEADLINE_SECONDS", "5"))
# Webhooks go only to public addresses. Networks listed here ("127.0.0.1/32,::1/128") are let
# through as well: for local development and tests, never in production (README, Webhooks).
RESCIND_WEBHOOK_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(entry.strip(), strict=False))
    for entry in os.environ.get("RESCIND_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if entry.strip()
]
# How long finished rows are kept before the worker prunes them (rescind/pruning.py): task rows
# that succeeded, and that failed (their traceback); sent e-mails and finished webhook
# deliveries; idempotency records (a repeat of an older key runs as a new request).
RESCIND_RETENTION_TASKS = _retention("RESCIND_RETENTION_TASKS", "7d")
RESCIND_RETENTION_FAILED_TASKS = _retention("RESCIND_RETENTION_FAILED_TASKS", "30d")
RESCIND_RETENTION_DELIVERIES = _retention("RESCIND_RETENTION_DELIVERIES", "30d")
RESCIND_RETENTION_IDEMPOTENCY = _retention("RESCIND_RETENTION_IDEMPOTENCY", "24h")
# Rows removed per batch: each batch is one short transaction.
RESCIND_PRUNE_BATCH_SIZE = int(os.environ.get("RESCIND_PRUNE_BATCH_SIZE") or "1000")
# How long a payment gateway call waits for the provider's answer (refunds/gateway.py).
RESCIND_GATEWAY_TIMEOUT_SECONDS = float(os.environ.get("RESCIND_GATEWAY_TIMEOUT_SECONDS", "10"))

AUTHENTICATION_BACKENDS = [
    "rescind.accounts.throttle.ThrottledLoginBackend",  # refuses while locked out, before hashing
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttle (django-axes, database handler: survives restarts, shared by every process).
# A username, or a client address, with this many failures within the lockout window is locked
# out until the window passes with no further failure; the login page and
# POST /api/v1/auth/tokens then answer 429 with Retry-After, and no password is checked.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("RESCIND_LOGIN_FAILURE_LIMIT") or "5")
AXES_COOLOFF_TIME = parse_duration(os.environ.get("RESCIND_LOGIN_LOCKOUT") or "15m")
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True  # trying on while locked keeps it locked
AXES_LOCKOUT_CALLABLE = "rescind.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "rescind.accounts.throttle.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # no row per successful login: only failures are kept
AXES_VERBOSE = False

# API bearer tokens stop working this long after they were issued (401 token_expired).
RESCIND_API_TOKEN_TTL = parse_duration(os.environ.get("RESCIND_API_TOKEN_TTL") or "30d")

# The first entry is not a rule: Django calls its password_changed() after every password
# change, which revokes the user's API tokens (accounts/tokens.py). The demo keeps `demo`.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "rescind.accounts.tokens.ApiTokensRevokedOnPasswordChange"},
] + ([] if DEMO_MODE else [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
])
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Content-Security-Policy (django-csp): scripts, styles and everything else from our own origin
# only. The pages have no inline script (their one script is static/rescind/countdown.js); a
# template that needs one adds nonce="{{ request.csp_nonce }}".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # swagger-ui's icons are data: URLs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "en"
# The languages a person can read Rescind in (issue 15); Arabic is written right to left.
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
LANGUAGES_BIDI = ["ar"]
# Every `locale` folder under the package is a catalog for the files below it (down to the next
# catalog), so that each part of the code keeps its own .po files (rescind/translations.py,
# which also keeps a text found in two catalogs translated the same in both).
LOCALE_PATHS = [str(path) for path in catalogs()]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing
# Static files are served by WhiteNoise straight from the apps: no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Message attachments go through Django's storage API (STORAGES["default"]), so a deployment can
# put them in object storage. They are never served from MEDIA_URL: only through a view that
# checks the reader may see the order.
MEDIA_ROOT = Path(os.environ.get("RESCIND_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
RESCIND_MAX_ATTACHMENT_BYTES = int(os.environ.get("RESCIND_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024))

EMAIL_BACKEND = os.environ.get(
    "RESCIND_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("RESCIND_FROM_EMAIL", "Rescind <no-reply@rescind.local>")
EMAIL_HOST = os.environ.get("RESCIND_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("RESCIND_EMAIL_PORT", "25"))
EMAIL_TIMEOUT = 10
EMAIL_FILE_PATH = VAR_DIR / "mail"  # for RESCIND_EMAIL_BACKEND=...filebased.EmailBackend
# Links in e-mails point here.
RESCIND_PUBLIC_URL = os.environ.get("RESCIND_PUBLIC_URL", "http://127.0.0.1:8000")


def _not_an_outage(record) -> bool:
    """A 503 of a database outage is logged once, as one line, by rescind.api.outage: not
    again with a traceback per request by django.request."""
    return getattr(record, "status_code", None) != 503


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"not_an_outage": {"()": lambda: _not_an_outage}},
    "handlers": {"console": {"class": "logging.StreamHandler"},
                 "errors": {"class": "logging.StreamHandler", "filters": ["not_an_outage"]}},
    "loggers": {
        "rescind": {"handlers": ["console"], "level": "INFO"},
        # A 500's traceback: Django's default sends it only to ADMINS by mail when DEBUG is
        # off, so without this the engineer running the server never sees it.
        "django.request": {"handlers": ["errors"], "level": "ERROR", "propagate": False},
    },
}
