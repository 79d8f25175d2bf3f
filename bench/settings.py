"""Settings for the in-process benchmarks (settlement, expiry, pages): the shared base settings with DEBUG off
(so Django keeps no per-query log that would distort time and memory), the test clock allowed (the bench
moves business time to the notice end and the year end) and tasks run in-process. The HTTP benchmarks
(claim and deduction rush) use hangqifu.settings.production under gunicorn instead."""
from hangqifu.settings.base import *  # noqa: F403

DEBUG = False
TEST_CLOCK_ALLOWED = True
HANGQIFU_TEST_CLOCK = True
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "bench-media"  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = "hangqifu-bench"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The pages benchmark sends 200+ requests a page from one client: measure the page, not the anonymous throttle
# (120/min in production, which would answer 429 after the first two minutes' worth).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/min", "user": "100000/min", "auth": "10000/min"}  # noqa: F405
# The floor page (bench/urls.py) beside the portal's routes: only the in-process pages benchmark loads these.
ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]  # noqa: F405
