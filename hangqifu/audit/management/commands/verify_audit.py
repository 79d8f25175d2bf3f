from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hangqifu.audit.chain import verify_chains
from hangqifu.audit.models import AuditEvent
from hangqifu.audit.selectors import chain_check_last


class Command(BaseCommand):
    help = ("核验审计链：逐条重算 SHA-256，逐链核对前后链接，并与最近一次核验记录的各链末事件比对（发现截断）；"
            "发现被篡改、断链或被截断的链即报错。只读：不写核验记录（页面按钮和每日核验才写）")

    def handle(self, *args, **options):
        last = chain_check_last()
        checkpoints = last.heads if last is not None else {}
        result = verify_chains(AuditEvent.objects.all(), checkpoints=checkpoints)
        if not result.ok:
            raise CommandError("；".join(f"审计{problem}" for problem in result.problems))
        self.stdout.write(self.style.SUCCESS(f"审计链完整：共 {result.checked} 条事件"))
        if checkpoints:
            when = timezone.localtime(last.checked_at)
            self.stdout.write(f"已与 {when:%Y-%m-%d %H:%M:%S} 的核验记录比对：{len(checkpoints)} 条链的已核验末事件均在且未被改动")
        else:
            self.stdout.write("尚无核验记录（或记录中没有各链末事件），未做截断比对")
        # per chain: its events and its head, the figures a restored copy must reproduce exactly
        for r in result.chains.values():
            self.stdout.write(f"链 {r.chain}：{r.checked} 条，末哈希 {r.head}")
