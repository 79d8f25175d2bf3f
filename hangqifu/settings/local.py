"""`make run`: the embedded default (SQLite, tasks in-process) unless DATABASE_URL / CELERY_BROKER_URL say
otherwise, serving pages as users get them: debug off (the portal's Chinese 403/404/500 pages), static files
collected and served by WhiteNoise under hashed names, as in production. Only the pre-compressed copies that
production builds once into its image are left out: brotli over every asset would add two minutes to a first run. `make dev` turns debug and autoreload
on (DJANGO_DEBUG=1). The test clock is available when HANGQIFU_TEST_CLOCK=1."""
from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=False)  # noqa: F405
TEST_CLOCK_ALLOWED = True
DEMO_SECOND_FACTOR_ALLOWED = True  # the demo staff's published TOTP secret (seed_demo, README)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}  # noqa: F405
