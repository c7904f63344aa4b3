"""Tests: SQLite in memory unless DATABASE_URL names PostgreSQL; fast hashing."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES, env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
CUNWU_FIELD_KEY = "test-only-field-key"
CUNWU_DEMO_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:  # parallel runs on one server each name their own test database
    DATABASES["default"]["TEST"] = {"NAME": env.str("CUNWU_TEST_DB", default="test_test")}
# uploads and reports of a test run never land in var/ (the conftest points each test session
# at its own temporary directory, which pytest cleans up)
MEDIA_ROOT = Path(tempfile.gettempdir()) / "cunwu-test-media"
WHITENOISE_AUTOREFRESH = True
