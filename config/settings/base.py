"""Settings shared by every environment. Environment-specific modules import * from here."""

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CHAINDESK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file, attachments and media live here: a new folder works

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # In layer order: an app imports only the apps above it (core/tests/test_layers.py). The 工作台 (dashboards)
    # sits right above accounts: the later apps register their cards with it.
    "chaindesk.core",
    "chaindesk.accounts",
    "chaindesk.dashboards",
    "chaindesk.chains",
    "chaindesk.enterprises",
    "chaindesk.liaison",
    "chaindesk.network",
    "chaindesk.projects",
    "chaindesk.leads",
    "chaindesk.demands",
    "chaindesk.upward",
    "chaindesk.rollups",
    "chaindesk.targets",
    "chaindesk.cockpit",
    "chaindesk.meetings",
    "chaindesk.reports",
    "chaindesk.transfer",
    "chaindesk.api",
    "chaindesk.demo",
    "chaindesk.synth",
    "chaindesk.ingest",
]

MIDDLEWARE = [
    "chaindesk.core.middleware.ForwardedHeadersMiddleware",  # X-Forwarded-* only from TRUSTED_PROXIES
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first (but for the above) and last: /metrics counts
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chaindesk.core.middleware.RequestContextMiddleware",
    "chaindesk.api.errors.ProblemMiddleware",  # under /api/: a 404/405/500 outside an operation as problem+json
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "chaindesk.accounts.middleware.IdleTimeoutMiddleware",
    "chaindesk.accounts.middleware.ForcedPasswordChangeMiddleware",  # after the idle timeout: it may log out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "chaindesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "chaindesk.core.context_processors.shell",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, PostgreSQL when DATABASE_URL says so.
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _postgres_tuned(database: Any) -> Any:
    """JIT compiles a large query's plan for a run that would take far less than the compiling (about 0.3 s of
    2 s on a province 工作台 count): pages are short queries, so it is off unless the URL's options say."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        if "jit" not in str(options.get("options", "")):
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


if DATABASE_URL:
    DATABASES = {"default": _postgres_tuned(dj_database_url.parse(DATABASE_URL, conn_max_age=60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "chaindesk.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000;"
                ),
            },
        }
    }
# A PostgreSQL streaming replica of the primary (DATABASE_REPLICA_URL; unset: no replica, everything on
# `default`). Only the read-only pages read from it (the cockpit, briefings' figures, exports), through the router
# of chaindesk/core/db_router.py, and only while it answers and is at most CHAINDESK_REPLICA_MAX_LAG_SECONDS
# behind (checked at most every CHAINDESK_REPLICA_CHECK_SECONDS per process); one that refused a connection is
# left alone for CHAINDESK_REPLICA_RETRY_SECONDS. Writes and migrations always go to the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _postgres_tuned(dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60))
    # A replica that is down must not hold a page up: give up connecting after 2 s (then the primary serves).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DATABASE_ROUTERS = ["chaindesk.core.db_router.ReplicaRouter"]
CHAINDESK_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("CHAINDESK_REPLICA_MAX_LAG_SECONDS", "30"))
CHAINDESK_REPLICA_CHECK_SECONDS = float(os.environ.get("CHAINDESK_REPLICA_CHECK_SECONDS", "5"))
CHAINDESK_REPLICA_RETRY_SECONDS = float(os.environ.get("CHAINDESK_REPLICA_RETRY_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set (shared by every web process), else the database.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks: the django-tasks backport with its database backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# --- Authentication and sessions.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "chaindesk.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not whitespace only, ≥3 character classes, not one character repeated; no place name, no year.
    {"NAME": "chaindesk.accounts.validators.ComplexityValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "chaindesk.accounts.validators.GuessableWordsValidator"},
    # The demo's printed password, refused whenever DEBUG is off (production).
    {"NAME": "chaindesk.demo.validators.DemoPasswordValidator"},
]
# A form's text fields together (a pasted meeting report is refused past 10 MB with its own message; Django's
# default of 2.5 MB would answer a bare 400 first). Files are limited per upload by their own settings.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# With Redis (REDIS_URL), sessions are read from the shared cache and written through to the database (a session
# survives a Redis restart); without it, from the database. Either way any web process serves any session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute limit; the idle limit below is enforced by middleware
SESSION_IDLE_TIMEOUT = 30 * 60
LOGIN_URL_PATH = "/accounts/login/"
AUTHENTICATION_BACKENDS = ["chaindesk.accounts.backends.ChainDeskBackend"]
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "chaindesk.core.views.csrf_failure"
# Lock-out: this many failed logins within the window lock the account and the address.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
# Two-factor sign-in (TOTP, chaindesk/accounts/services_2fa.py): the system and audit administrators always; the
# roles listed here too (comma-separated Role values, e.g. "sys_admin,audit_admin,city_leader,team_member").
CHAINDESK_2FA_ROLES = [
    r.strip() for r in os.environ.get("CHAINDESK_2FA_ROLES", "sys_admin,audit_admin").split(",") if r.strip()
]
# How long a sign-in whose password was right waits for its code before it must start again.
CHAINDESK_2FA_PENDING_SECONDS = int(os.environ.get("CHAINDESK_2FA_PENDING_SECONDS", "300"))
# The keys that seal secrets the server must read back (authenticators' TOTP keys, chaindesk/core/sealing.py):
# Fernet keys, comma-separated, the first seals and every one opens (add a new key in front to rotate; run
# `chaindesk reseal`, then drop the old one). Empty: one key derived from SECRET_KEY (and its fallbacks). Keep
# them with SECRET_KEY, never with the backups: a stolen backup then holds no usable authenticator.
CHAINDESK_DATA_KEYS = [k.strip() for k in os.environ.get("CHAINDESK_DATA_KEYS", "").split(",") if k.strip()]
# The client address (audit trail, per-address lock-out) is REMOTE_ADDR. Only when REMOTE_ADDR is one of these
# proxies (addresses or networks, comma-separated in the TRUSTED_PROXIES environment variable, e.g.
# "10.0.0.5,10.0.1.0/24" for the load balancers) is X-Forwarded-For read, and then its right-most address that
# is not itself a trusted proxy. Unset (the default): X-Forwarded-For is never trusted. Set it to exactly the
# load balancers: behind an unlisted one every user shares its address and the lock-out would lock them all.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]

# --- Internationalisation: zh-Hans first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: built from npm packages into build/static, collected into staticfiles/.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"  # outside the web root; served only through permission-checked views

# --- Security headers that apply everywhere; prod tightens the rest.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- E-mail and webhooks (notifications arrive with the demands issue).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chaindesk@localhost")
CHAINDESK_WEBHOOK_URL = os.environ.get("CHAINDESK_WEBHOOK_URL", "")

CHAINDESK_PRODUCT_NAME = _("产业链服务台")
CHAINDESK_CITY_CODE = os.environ.get("CHAINDESK_CITY_CODE", "321200")
CHAINDESK_GAP_SCALE_REVENUE = 2000  # 万元: gap analysis counts an enterprise at or above this revenue as 规上
CHAINDESK_STALE_VISIT_DAYS = 90  # 挂钩服务: an enterprise without a visit for longer is flagged 超期未走访
CHAINDESK_PROJECT_STALE_DAYS = int(os.environ.get("CHAINDESK_PROJECT_STALE_DAYS", "30"))  # 停滞: no update for longer
# 滞后: completion rate below 序时进度 minus this many percentage points
CHAINDESK_PROJECT_BEHIND_TOLERANCE = Decimal(os.environ.get("CHAINDESK_PROJECT_BEHIND_TOLERANCE", "0"))
# 诉求: overdue by more than this many working days → 督办 in the chain chief's queue
CHAINDESK_SUPERVISE_AFTER_WORKDAYS = int(os.environ.get("CHAINDESK_SUPERVISE_AFTER_WORKDAYS", "3"))
CHAINDESK_ATTACHMENT_MAX_BYTES = int(os.environ.get("CHAINDESK_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# Zip-based attachments (.docx/.xlsx/.pptx), judged from the zip directory before acceptance (zip bombs):
# the members' declared sizes may add up to at most this once inflated (10x the upload limit: real Office files
# inflate 3-10x) ...
CHAINDESK_ATTACHMENT_ZIP_MAX_INFLATED_BYTES = int(
    os.environ.get("CHAINDESK_ATTACHMENT_ZIP_MAX_INFLATED_BYTES", str(100 * 1024 * 1024))
)
# ... no member of at least CHAINDESK_ATTACHMENT_ZIP_RATIO_FLOOR_BYTES inflated may grow more than this many
# times (XML compresses 5-20:1; a bomb 1000:1; small parts are not judged: they compress well and stay small) ...
CHAINDESK_ATTACHMENT_ZIP_MAX_RATIO = int(os.environ.get("CHAINDESK_ATTACHMENT_ZIP_MAX_RATIO", "100"))
CHAINDESK_ATTACHMENT_ZIP_RATIO_FLOOR_BYTES = 1024 * 1024
# ... and the archive may hold at most this many members.
CHAINDESK_ATTACHMENT_ZIP_MAX_MEMBERS = 10_000
CHAINDESK_METRICS_MIN_CASES = int(os.environ.get("CHAINDESK_METRICS_MIN_CASES", "5"))  # to be ranked
# 企业/项目/线索 lists: past this many rows (PostgreSQL's planner estimate) the total shown is that estimate, marked
# "约 … 条（估算）", instead of an exact COUNT(*) on every page view; at or below it the count is exact. SQLite and
# the exports always count exactly (chaindesk/core/listing.py).
CHAINDESK_EXACT_COUNT_LIMIT = int(os.environ.get("CHAINDESK_EXACT_COUNT_LIMIT", "10000"))
# Absolute links in e-mails and robot messages (https://chaindesk.example.gov.cn); relative when unset
CHAINDESK_SITE_URL = os.environ.get("CHAINDESK_SITE_URL", "")

# --- Health and monitoring (chaindesk/core/health.py, chaindesk/core/metrics.py). /api/ready answers 503 when the
# oldest due background task has waited longer than this many seconds (no worker is taking tasks) ...
CHAINDESK_READY_MAX_QUEUE_AGE = int(os.environ.get("CHAINDESK_READY_MAX_QUEUE_AGE", "600"))
# ... or the disk holding MEDIA_ROOT (attachments) has fewer bytes free than this (1 GiB) ...
CHAINDESK_READY_MIN_FREE_BYTES = int(os.environ.get("CHAINDESK_READY_MIN_FREE_BYTES", str(1024**3)))
# ... or Redis (when REDIS_URL is set) does not answer a PING within this many seconds.
CHAINDESK_READY_REDIS_TIMEOUT = float(os.environ.get("CHAINDESK_READY_REDIS_TIMEOUT", "0.5"))
# Who may read /metrics (Prometheus): addresses or networks, comma-separated; everyone else gets 404. The client
# address is the audit trail's (behind a proxy in TRUSTED_PROXIES, the address it forwarded).
CHAINDESK_METRICS_ALLOWED = [
    a.strip() for a in os.environ.get("CHAINDESK_METRICS_ALLOWED", "127.0.0.1,::1").split(",") if a.strip()
]

# --- Logs, on stderr: human-readable text lines by default; LOG_FORMAT=json writes one JSON object per line (time,
# level, logger, message, request_id, and a request's method/path/status/duration_ms), and then also logs every
# request at INFO on "chaindesk.request" (chaindesk/core/logs.py, chaindesk/core/middleware.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "chaindesk.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "chaindesk.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"chaindesk.request": {"level": "INFO"}} if LOG_FORMAT == "json" else {},
}
