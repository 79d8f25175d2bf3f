from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from hangqifu.core.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "写入演示数据（可重复执行）：各角色演示账号及各业务流程的示例数据"

    def handle(self, *args, **options):
        if not settings.TEST_CLOCK_ALLOWED:  # False only under production settings
            raise CommandError("生产环境不能写入演示数据")
        ctx: dict = {}
        # Demo notifications stay in the inbox; mailing the demo addresses would only flood the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
            for config in apps.get_app_configs():
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                if hasattr(module, "seed"):
                    module.seed(ctx)
                    self.stdout.write(f"  · {config.verbose_name}")
            # Seeds that need a later app's data (orders of the providers' products) run once all apps have.
            for later in ctx.get("after_all_apps", []):
                later(ctx)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。演示账号（密码均为 %s）：" % DEMO_PASSWORD))
        for username, label in dict(ctx.get("accounts", [])).items():
            self.stdout.write(f"    {username:<16} {label}")
