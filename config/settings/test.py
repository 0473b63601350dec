"""Tests: DATABASE_URL picks SQLite or PostgreSQL; fast hashing; mail in memory."""

import os

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
AXES_ENABLED = True
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
LANGUAGE_CODE = "zh-hans"
# The import views' tests check reading, previews and confirmations in the request; the
# background path (a real worker) is tested with this switched on (tests/jobs).
IMPORT_IN_BACKGROUND = False
REMINDERS_IN_BACKGROUND = False
# No heartbeat thread: on SQLite the test database lives in this process's memory. The
# PostgreSQL tests of tests/jobs run real worker processes, which have it.
JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "0"))
