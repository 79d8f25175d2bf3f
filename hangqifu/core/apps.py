from django.apps import AppConfig
from django.core import checks

from .checks import claim_door_workers


class CoreConfig(AppConfig):
    name = "hangqifu.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self):
        checks.register(claim_door_workers)
