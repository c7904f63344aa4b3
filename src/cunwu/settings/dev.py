"""Development: the laptop default (SQLite under var/), demo data allowed."""

from .base import *  # noqa: F403
from .base import CUNWU_FIELD_KEY, MEDIA_ROOT, SECRET_KEY, STORAGES, env

# DEBUG=false shows the site's own error pages (the browser tests run so)
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-cunwu"
CUNWU_FIELD_KEY = CUNWU_FIELD_KEY or "dev-only-field-key-cunwu"
CUNWU_DEMO_ALLOWED = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True  # static files straight from the apps, also when DEBUG is off
MEDIA_ROOT = env.path("MEDIA_ROOT", default=MEDIA_ROOT)  # the browser tests keep theirs apart
