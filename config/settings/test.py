"""Test settings: fast hashing, in-memory e-mail, tasks run immediately."""

from .base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# The official holiday schedules are reloaded only when one is saved (no periodic reload): a reload would add a
# query to whichever request met it, and the tests pin query counts (chaindesk/core/holidays.py).
CHAINDESK_CALENDAR_MAX_AGE = None
# Sessions in the database whatever REDIS_URL says: a cached session would take a query off the pinned counts.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A replica (DATABASE_REPLICA_URL) is the primary's test database again, not a second one to create.
if "replica" in DATABASES:
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
