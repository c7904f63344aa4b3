"""Production: PostgreSQL, secrets from the environment, `cunwu check --deploy` clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CUNWU_FIELD_KEY, DATABASE_URL, SECRET_KEY, env

DEBUG = False
CUNWU_DEMO_ALLOWED = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters")
if len(CUNWU_FIELD_KEY) < 32:
    raise ImproperlyConfigured("CUNWU_FIELD_KEY must be set to at least 32 random characters")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must name the production PostgreSQL database")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
