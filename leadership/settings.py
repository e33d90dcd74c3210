"""Settings for Pillars: one module, driven by environment variables.

Development defaults are safe and need nothing: SQLite in WAL mode next to the code, the console
email backend, DEBUG on. Production sets ``PILLARS_ENV=production`` (or ``DEBUG=0``) and must then
provide ``SECRET_KEY``; ``DATABASE_URL`` switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from leadership import storage

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


PRODUCTION = env_str("PILLARS_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (PILLARS_ENV=production).")
    # Development only: a fixed key is fine on a laptop and never used in production.
    SECRET_KEY = "django-insecure-development-only-key-not-for-production-use-000000"
# The same rule as Django's security.W009, enforced rather than warned about: a production server
# with a short, repetitive or development key does not start at all.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
if PRODUCTION and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "leadership",
    "assessments",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    # First: load balancers probe /healthz by IP over plain HTTP, before host checks and redirects.
    "leadership.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "leadership.languages.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "leadership.urls"
WSGI_APPLICATION = "leadership.wsgi.application"
ASGI_APPLICATION = "leadership.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Each template is parsed once per process (what Django does by default when no
            # loaders are named; named here so that it stays so). runserver still picks up
            # edits: Django's autoreloader resets this loader when a template changes.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "leadership.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default: WAL so readers never block the writer, IMMEDIATE transactions so a write
# transaction takes the lock up front (no "database is locked" upgrade deadlocks), and a busy
# timeout so concurrent writers queue instead of failing.
SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL")
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
    # Behind PgBouncer in transaction pooling a cursor cannot outlive its statement's connection
    # (docs/deploy.md, "Connection pooling with PgBouncer").
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "PILLARS_DISABLE_SERVER_SIDE_CURSORS", False
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY;"
                    "PRAGMA cache_size=-20000;"
                ),
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if env_bool("CACHE_IN_DATABASE", PRODUCTION)
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pillars_cache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 50_000)},
    }
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "leadership.auth_backends.LoginLockoutBackend",  # first: refuses locked-out sign-ins (axes)
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection (django-axes). Failures are counted in the database, so every app server
# sees the same count. Locking by username *and* address stops guessing without letting anyone
# lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "leadership.clientip.axes_client_ip"
AXES_USERNAME_CALLABLE = "leadership.clientip.login_username"
AXES_VERBOSE = False
# How many proxies (nginx, a load balancer) sit in front of the app and append X-Forwarded-For.
# 0 trusts no header and uses the socket address. Used by axes and the rate limits.
PILLARS_TRUSTED_PROXY_COUNT = env_int("PILLARS_TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0)
# A set-your-password or reset link works once, for this long (HR can send a new one).
PASSWORD_RESET_TIMEOUT = env_int("PILLARS_PASSWORD_LINK_HOURS", 72) * 3600
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
HR_GROUP_NAME = "HR"

# Django's database sessions: one indexed read per request, shared by every app server. (The
# cached_db store would read the cache instead, which in production is the database too, and
# write both on every change; see docs/deploy.md.)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Signed-in pages show people's results: a session ends with the browser and after 8 hours at most.
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token travels in hx-headers.

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Adding a language: its code here, a catalogue under locale/ and a column set in the question
# bank (README, "Adding a language").
LANGUAGES = [("en", _("English")), ("de", _("German"))]
# The organisation's language: invitations, teams and accounts without a choice of their own.
PILLARS_LANGUAGE = env_str("PILLARS_LANGUAGE", LANGUAGE_CODE)
if PILLARS_LANGUAGE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(
        f"PILLARS_LANGUAGE must be one of the LANGUAGES, not {PILLARS_LANGUAGE!r}."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's way of writing dates (leadership/formats/<code>/formats.py).
FORMAT_MODULE_PATH = ["leadership.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# --- Files: report PDFs and zips (leadership/storage.py) --------------------------------------
# "filesystem" (under MEDIA_ROOT: one server) or "s3" (one private bucket shared by every app
# server and worker; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an instance role).
PILLARS_FILE_STORAGE = env_str("PILLARS_FILE_STORAGE", storage.FILESYSTEM)
if PILLARS_FILE_STORAGE == storage.S3:
    _files = storage.s3_storage_options(
        bucket=env_str("PILLARS_S3_BUCKET"),
        endpoint_url=env_str("PILLARS_S3_ENDPOINT_URL"),
        region=env_str("PILLARS_S3_REGION"),
        prefix=env_str("PILLARS_S3_PREFIX"),
    )
    if not _files["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("PILLARS_FILE_STORAGE=s3 needs PILLARS_S3_BUCKET.")
elif PILLARS_FILE_STORAGE == storage.FILESYSTEM:
    _files = storage.filesystem_storage()
else:
    raise ImproperlyConfigured("PILLARS_FILE_STORAGE must be filesystem or s3.")
STORAGES = {
    # Uploads waiting for HR's confirmation (leadership/uploads.py) follow the same choice.
    "default": _files,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    storage.REPORTS: _files,
    storage.ZIPS: _files,
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
# For the file email backend (django.core.mail.backends.filebased): a folder processes share.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or None
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Pillars <pillars@localhost>")

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Workers started with `manage.py run_worker` record a heartbeat this often; the scheduler requeues
# the running task of a worker silent for PILLARS_WORKER_LOST_SECONDS, until a task has been
# claimed PILLARS_TASK_MAX_ATTEMPTS times, then fails it (assessments/workers.py).
PILLARS_WORKER_BEAT_SECONDS = env_float("PILLARS_WORKER_BEAT_SECONDS", 10)
PILLARS_WORKER_LOST_SECONDS = env_int("PILLARS_WORKER_LOST_SECONDS", 60)
PILLARS_TASK_MAX_ATTEMPTS = env_int("PILLARS_TASK_MAX_ATTEMPTS", 3)

# --- Content Security Policy ----------------------------------------------------------------
# No inline scripts anywhere; Plotly sets inline styles on the SVG it draws, so styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Security headers (production hardening is completed by the deploy settings below) ------
SECURE_CONTENT_TYPE_NOSNIFF = True
# Same-origin requests carry the page's address and origin, which Django's CSRF check compares
# with the host; requests to other origins carry no Referer at all, so a survey page's address
# (which holds its survey key) never leaves the site (tests/browser/test_survey_origins.py).
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Uploads and posts ----------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 400)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
PILLARS_MAX_IMPORT_BYTES = env_int("PILLARS_MAX_IMPORT_BYTES", 5 * 1024 * 1024)
PILLARS_MAX_IMPORT_ROWS = env_int("PILLARS_MAX_IMPORT_ROWS", 100_000)
# An uploaded import waits this long on the server for HR to confirm its preview, then goes.
PILLARS_UPLOAD_KEEP_MINUTES = env_int("PILLARS_UPLOAD_KEEP_MINUTES", 60)

# --- Product settings -----------------------------------------------------------------------
PILLARS_DEFAULT_MIN_GROUP_SIZE = 3
PILLARS_DEFAULT_COMMENT_MIN_GROUP_SIZE = 5
PILLARS_GAP_THRESHOLD = env_float("PILLARS_GAP_THRESHOLD", 0.5)
PILLARS_PDF_PAGE_SIZE = env_str("PILLARS_PDF_PAGE_SIZE", "a4")  # a4 or letter
# Once a cycle's results are stored, the worker renders every team's PDF and the organisation's
# (in PILLARS_PDF_PAGE_SIZE), so downloads and zips stream stored files
# (assessments/reports/ready.py).
PILLARS_REPORT_FILES = env_bool("PILLARS_REPORT_FILES", True)
PILLARS_MAX_COMMENT_LENGTH = env_int("PILLARS_MAX_COMMENT_LENGTH", 2000)
PILLARS_REMINDER_INTERVAL_HOURS = env_int("PILLARS_REMINDER_INTERVAL_HOURS", 48)
# A scores-API token's lifetime when HR makes one (HR may choose 1 to 365 days).
PILLARS_API_TOKEN_DAYS = env_int("PILLARS_API_TOKEN_DAYS", 90)

# --- Data protection and rate limits (assessments/privacy/retention.py, leadership/ratelimit.py)
# -- Raw answers and comments of cycles that ended longer ago than this are deleted by
# `manage.py apply_retention`; the stored, anonymity-safe results stay. 0 keeps them forever.
PILLARS_RETENTION_MONTHS = env_int("PILLARS_RETENTION_MONTHS", 24)
# Invitations (emails, token hashes) and unsent drafts of closed cycles are purged after this.
PILLARS_INVITATION_PURGE_DAYS = env_int("PILLARS_INVITATION_PURGE_DAYS", 30)
# Sign-in records (address, browser) kept by django-axes are deleted after this many days.
PILLARS_SIGNIN_LOG_DAYS = env_int("PILLARS_SIGNIN_LOG_DAYS", 90)
# A zip of every team's reports (MEDIA_ROOT/reports/) is deleted this many days after it was
# built, and as soon as a newer zip of the same cycle is ready. 0 keeps it until it is replaced.
PILLARS_REPORT_ZIP_DAYS = env_int("PILLARS_REPORT_ZIP_DAYS", 7)
# A zip job queued or running without progress for this many minutes has lost its worker: the
# pages show it as stopped (stored as failed) and offer a new one. A worker records progress
# after every report, so only a dead or missing worker gets there. 0 turns the check off.
# The worker computes a cycle's results (never a request): the task backend it goes through, and
# how often a page that finds them missing may ask again.
PILLARS_RESULTS_TASKS_BACKEND = env_str("PILLARS_RESULTS_TASKS_BACKEND", "default")
PILLARS_RESULTS_REQUEST_MINUTES = env_int("PILLARS_RESULTS_REQUEST_MINUTES", 2)
PILLARS_REPORT_JOB_STALL_MINUTES = env_int("PILLARS_REPORT_JOB_STALL_MINUTES", 30)
# The same for a run of invitation or reminder emails (a worker records progress after every
# batch of 20). 0 turns the check off.
PILLARS_EMAIL_RUN_STALL_MINUTES = env_int(
    "PILLARS_EMAIL_RUN_STALL_MINUTES", PILLARS_REPORT_JOB_STALL_MINUTES
)
# "requests/seconds" per client address. Token links count only unknown or used tokens, so an
# office behind one address can open its real links at once; submits count every POST. Counted
# in the database (leadership.models.RateCount), so every app server and worker shares them.
PILLARS_RATELIMIT_TOKEN = env_str("PILLARS_RATELIMIT_TOKEN", "20/600")
PILLARS_RATELIMIT_SUBMIT = env_str("PILLARS_RATELIMIT_SUBMIT", "60/60")
# "Forgot your password?": requests per client address, and emails per email address (a request
# over the address's limit gets the same answer and sends nothing).
PILLARS_RATELIMIT_PASSWORD_RESET = env_str("PILLARS_RATELIMIT_PASSWORD_RESET", "10/3600")
PILLARS_RATELIMIT_PASSWORD_RESET_ADDRESS = env_str(
    "PILLARS_RATELIMIT_PASSWORD_RESET_ADDRESS", "3/3600"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "no_health": {"()": "leadership.health.HealthCheckLogFilter"},
        # Survey, shared and password-reset links are secrets: never in a log line.
        "redact": {"()": "leadership.logredact.RedactingFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_health", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports each rendering step at INFO; only its warnings are worth a line.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Django's own loggers through our handler only: its default console handler would
        # print "Not Found: /s/<token>/" unredacted (and it mails admins nothing we configure).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # runserver's request lines, minus the load balancer's probes.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
