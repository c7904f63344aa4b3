"""Development: the laptop default (SQLite under var/), demo data allowed."""

from .base import *  # noqa: F403
from .base import CUNWU_FIELD_KEY, SECRET_KEY, STORAGES

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-cunwu"
CUNWU_FIELD_KEY = CUNWU_FIELD_KEY or "dev-only-field-key-cunwu"
CUNWU_DEMO_ALLOWED = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
