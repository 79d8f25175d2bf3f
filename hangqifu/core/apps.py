from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hangqifu.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self):
        from . import scheduler

        scheduler.connect()
