"""`make run`: the embedded default (SQLite, tasks in-process) unless DATABASE_URL / CELERY_BROKER_URL say
otherwise. The test clock is available when HANGQIFU_TEST_CLOCK=1."""
from .base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)  # noqa: F405
TEST_CLOCK_ALLOWED = True
DEMO_SECOND_FACTOR_ALLOWED = True  # the demo staff's published TOTP secret (seed_demo, README)
