from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hangqifu.core"
    label = "core"
    verbose_name = "平台核心"

    def ready(self):
        # import here: the scheduler imports the models, loaded only once the registry is ready
        from . import scheduler

        scheduler.connect()
