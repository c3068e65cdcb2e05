"""Django settings. Everything a deployment changes comes from RESCIND_* environment variables."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("RESCIND_VAR_DIR", Path.cwd() / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("RESCIND_SECRET_KEY", "dev-only-secret-change-me-in-production")
DEBUG = os.environ.get("RESCIND_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("RESCIND_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
# Demo mode: the shared clock can be moved forward (`rescind clock advance 3d`).
DEMO_MODE = os.environ.get("RESCIND_DEMO_MODE", "") == "1"
RESCIND_POLICY_FILE = os.environ.get("RESCIND_POLICY_FILE") or None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
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
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rescind.api.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rescind.api.idempotency.IdempotencyMiddleware",
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
        config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
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
# How long a payment gateway call waits for the provider's answer (refunds/gateway.py).
RESCIND_GATEWAY_TIMEOUT_SECONDS = float(os.environ.get("RESCIND_GATEWAY_TIMEOUT_SECONDS", "10"))

AUTH_PASSWORD_VALIDATORS: list = []
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rescind": {"handlers": ["console"], "level": "INFO"}},
}
