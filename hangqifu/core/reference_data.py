"""Reference data that data migrations seed (policy years, the official calendar, MIIT size thresholds).

Transactional tests truncate every table, data migrations included; `reseed()` runs the same seed functions
again (each is idempotent) so the next test finds the database as `migrate` left it."""
from importlib import import_module

from django.apps import apps

SEEDS = [
    "hangqifu.policy.migrations.0002_seed_policy_years",
    "hangqifu.policy.migrations.0005_seed_wind_down_year",
    "hangqifu.workdays.migrations.0002_seed_calendar",
    "vouchers.migrations.0002_seed_size_thresholds",
]


def reseed() -> None:
    for module_name in SEEDS:
        import_module(module_name).seed(apps, None)
