"""Settings for the test suite: the embedded default, made fast and hermetic."""

import os
import tempfile

# Every test run gets its own data folder (SQLite, media, broker), removed by the OS's tmp cleaning.
os.environ.setdefault("PICMATIX_VAR_DIR", tempfile.mkdtemp(prefix="picmatix-test-"))

from picmatix.settings import *  # noqa: F403
from picmatix.settings import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks queued by the code under test go nowhere unless a test starts a worker on purpose; the
# PostgreSQL + Redis run (`pytest -m pg`, see Makefile) points this at a real Redis.
CELERY_BROKER_URL = os.environ.get("PICMATIX_TEST_BROKER_URL", "memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BROKER_TRANSPORT = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a real worker process started by a test sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
RENDER_PROGRESS_EVERY_SECONDS = 0
