from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_chain
from audit.models import AuditEvent


class Command(BaseCommand):
    help = "核验审计链：逐条重算 SHA-256，发现被篡改或断链的事件即报错"

    def handle(self, *args, **options):
        checked, broken = verify_chain(AuditEvent.objects.all())
        if broken is not None:
            raise CommandError(f"审计链在事件 #{broken} 处校验失败（此前 {checked} 条正常）")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：共 {checked} 条事件"))
