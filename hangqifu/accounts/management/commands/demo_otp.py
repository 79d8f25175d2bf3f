from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hangqifu.accounts.second_factor import DEMO_TOTP_SECRET, totp_code


class Command(BaseCommand):
    help = "显示演示工作人员账号当前的动态口令（仅演示环境）"

    def add_arguments(self, parser):
        parser.add_argument("--next", action="store_true", help="下一个30秒时段的口令（同一口令只能用一次）")

    def handle(self, *args, **options):
        if not settings.DEMO_SECOND_FACTOR_ALLOWED:
            raise CommandError("生产环境没有演示动态口令")
        self.stdout.write(totp_code(DEMO_TOTP_SECRET, steps_ahead=1 if options["next"] else 0))
