"""The two-node drill's web nodes (bench/scale_out.py): production settings with one difference, the test clock
switched on, so the drill can show that a clock set through one node is the clock of the other (both read it
from the shared Redis). Only `make bench` loads this module; production's settings refuse the test clock."""
from hangqifu.settings.production import *  # noqa: F403

TEST_CLOCK_ALLOWED = True
HANGQIFU_TEST_CLOCK = True
# Static files as `make run` serves them: the drill renders pages (the sign-in page, the workbench) and needs no
# collectstatic manifest for that; what it checks (sessions, clock, keys, throttles) does not involve them.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
