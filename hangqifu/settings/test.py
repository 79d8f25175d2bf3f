"""pytest. SQLite by default; CI sets DATABASE_URL and CELERY_BROKER_URL to the local PostgreSQL and Redis."""
import atexit
import os
import shutil
import tempfile

from .base import *  # noqa: F403

TEST_CLOCK_ALLOWED = True
HANGQIFU_TEST_CLOCK = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="hangqifu-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)  # each test process removes the folder it made
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/min", "user": "100000/min", "auth": "10000/min",
                                              "public_form": "10000/min"}  # noqa: F405
AXES_FAILURE_LIMIT = 5
DEMO_SECOND_FACTOR_ALLOWED = True
# Tests call services directly; a task sent from a service runs in-process unless a test starts a worker.
CELERY_TASK_ALWAYS_EAGER = True
DASHBOARD_CACHE_SECONDS = 0  # tests change data between requests; the cache has its own tests
if "KEY_PREFIX" in CACHES["default"]:  # noqa: F405
    # Separate keys (the test clock lives here) per database and xdist worker, so parallel runs never share.
    # A worker started by a test inherits the test's prefix through HANGQIFU_TEST_CACHE_PREFIX.
    CACHES["default"]["KEY_PREFIX"] = os.environ.get("HANGQIFU_TEST_CACHE_PREFIX") or (f"hangqifu-test-{DATABASES['default'].get('NAME')}-"  # noqa: F405
                                       f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}")
WHITENOISE_AUTOREFRESH = True
