"""python manage.py verify_ledger — prove the money is conserved and report the figures.

Checks (set-based): each fund total = deducted + available and deducted = Σ deduction entries = Σ deductions;
each voucher face = balance + Σ deducted + voided/expired, with exactly one claim entry; each qualification
used = Σ its deduction entries and reserved = Σ its live balances within the quota; each voucher type
count − remaining = vouchers claimed; then the redemption and payment entries. It lives in the redemption app,
which may read the vouchers ledger (the vouchers app may not read redemption). Exits non-zero when anything
does not add up."""
from django.core.management.base import BaseCommand, CommandError

from redemption.ledger import verify_redemption_ledger
from vouchers.services.ledger import ledger_verify


class Command(BaseCommand):
    help = "核对服务券资金台账：资金、服务券、额度、批次与兑付拨付分录是否守恒"

    def handle(self, *args, **options):
        report = ledger_verify()
        problems = [*report.problems, *verify_redemption_ledger()]
        for fund in report.funds:
            self.stdout.write(
                f"{fund['year']} 年度资金：总额 {fund['total']}，已抵扣 {fund['deducted']}，可用 {fund['available']}；"
                f"台账抵扣分录合计 {fund['deduction_entries']}，抵扣记录合计 {fund['deductions']}")
        for kind, row in sorted(report.totals.items()):
            self.stdout.write(f"分录 {kind}：{row['count']} 条，合计 {row['amount']:.2f} 元")
        self.stdout.write(f"已核对服务券 {report.vouchers_checked} 张、年度资格 {report.qualifications_checked} 个、"
                          f"券种 {report.voucher_types_checked} 个")
        if problems:
            for problem in problems:
                self.stderr.write(f"不一致：{problem}")
            raise CommandError(f"台账核对发现 {len(problems)} 处不一致")
        self.stdout.write(self.style.SUCCESS("台账核对通过：资金守恒，每一元可追溯"))
