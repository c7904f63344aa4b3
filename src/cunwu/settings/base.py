"""Settings shared by every environment. Secrets come only from the environment (django-environ)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent  # src/cunwu
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = PROJECT_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY: str = env.str("SECRET_KEY", default="")
# Key for field encryption (ID numbers, phones) and their blind indexes; see core.crypto.
CUNWU_FIELD_KEY: str = env.str("CUNWU_FIELD_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "ninja",  # serves the API docs page from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "cunwu.core",
    "cunwu.accounts",
    "cunwu.registry",
    "cunwu.disclosure",
    "cunwu.points",
    "cunwu.store",
    "cunwu.assets",
    "cunwu.monitoring",
    "cunwu.village",
    "cunwu.web",
    "cunwu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cunwu.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cunwu.web.middleware.DatabaseUnavailableMiddleware",
    # anonymous village pages from the cache, before sessions, CSRF and auth
    "cunwu.disclosure.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cunwu.web.security.StaffSessionMiddleware",
    "cunwu.web.security.RateLimitMiddleware",
    "cunwu.web.middleware.RejectNulMiddleware",
    "cunwu.web.security.PermissionDeniedAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cunwu.urls"
WSGI_APPLICATION = "cunwu.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cunwu.web.context_processors.navigation",
            ],
        },
    }
]


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite tuned for a small server: WAL, IMMEDIATE transactions, a busy timeout."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }


DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "cunwu.sqlite3")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    # keep connections open between requests (a new PostgreSQL backend per request costs more
    # than most pages); each worker thread holds one, so workers × threads must stay below the
    # server's max_connections (docs/deploy.md)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # the hot paths' statements (cunwu.core.rows.one) are prepared on the connection's first
    # use; Django's own queries never are (they bind on the client). Off (DB_PREPARE=false)
    # behind a pooler in transaction mode that does not keep prepared statements.
    if env.bool("DB_PREPARE", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["cunwu.accounts.backends.PhoneOrUsernameBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cunwu.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Lock-out: this many failed log-ins within the window lock the account for the window.
CUNWU_LOGIN_MAX_FAILURES = env.int("CUNWU_LOGIN_MAX_FAILURES", default=5)
CUNWU_LOGIN_LOCK_MINUTES = env.int("CUNWU_LOGIN_LOCK_MINUTES", default=15)
# Rate limits per client IP, name → (requests, seconds); see core.ratelimit.DEFAULT_LIMITS:
# login (form posts), login_failures, api_token_failures, public (requests of anyone not
# logged in), audit_denied (refusals audited per user). Counted in the "default" cache.
# The environment may set them as JSON, e.g. CUNWU_RATE_LIMITS={"public": [600, 60]}.
CUNWU_RATE_LIMITS: dict[str, tuple[int, int]] = env.json("CUNWU_RATE_LIMITS", default={})
# The LocMem cache counts per process; with several worker processes use a shared cache
# (DatabaseCache or Redis, see docs/deploy.md) through CACHE_URL.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://cunwu")}

# Sessions: villagers stay logged in for two weeks; staff (every other role) are logged out
# after CUNWU_STAFF_IDLE_MINUTES without a request and CUNWU_STAFF_SESSION_HOURS after log-in
# (web.security.StaffSessionMiddleware).
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CUNWU_STAFF_IDLE_MINUTES = env.int("CUNWU_STAFF_IDLE_MINUTES", default=30)
CUNWU_STAFF_SESSION_HOURS = env.int("CUNWU_STAFF_SESSION_HOURS", default=8)

# Browser protections: the CSP is sent by web.security.ContentSecurityPolicyMiddleware
# (CUNWU_CSP overrides it); the rest by Django's security and clickjacking middleware.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The public address of the site (scheme and host, no path): the QR code on a printed notice
# or share image leads to this origin's public notice page.
CUNWU_PUBLIC_URL: str = env.str("CUNWU_PUBLIC_URL", default="http://127.0.0.1:8000")
# Spreadsheets larger than this are refused before parsing.
CUNWU_IMPORT_MAX_BYTES = env.int("CUNWU_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
# A county's screening run (防返贫监测) writes its parts side by side on this many database
# connections (PostgreSQL; SQLite runs one): one per core of the database server pays.
SCREENING_WORKERS = env.int("SCREENING_WORKERS", default=2)

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
