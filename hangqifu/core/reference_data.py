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


# A seed migration asks for its model under the app label of its time; the size thresholds have since moved to
# the registration app (same table).
MOVED = {("vouchers", "sizethreshold"): "registration"}


class _CurrentApps:
    """The live app registry, answering `get_model` under the label a seed migration was written with."""

    def get_model(self, app_label: str, model_name: str):
        return apps.get_model(MOVED.get((app_label, model_name.lower()), app_label), model_name)


def reseed() -> None:
    for module_name in SEEDS:
        import_module(module_name).seed(_CurrentApps(), None)
