"""Checks of the redemption and payment ledger entries (I5, I7), run by `verify_ledger`:
- Σ disbursed claim lines = Σ redemption entries, one entry per order, each order redeemed at most once;
- each disbursement order's total = Σ its payment lines; Σ confirmed payments = Σ payment entries ≤ Σ disbursed;
- each provider-year counter = Σ verified amounts of its approved (not revoked) claims, within the cap."""
from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from hangqifu.core.money import ZERO
from vouchers.models.ledger import LedgerEntry

from .models import ClaimLine, DisbursementOrder, DistrictPayment, ProviderYearCap, RedemptionClaim

LIVE_APPROVED = (RedemptionClaim.State.APPROVED, RedemptionClaim.State.IN_SETTLEMENT, RedemptionClaim.State.PAID)


def _sum(queryset, field="amount") -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def verify_redemption_ledger() -> list[str]:
    problems = []
    redemptions = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEMPTION)
    disbursed_lines = ClaimLine.objects.filter(claim__payment__isnull=False)
    if _sum(disbursed_lines, "verified_amount") != _sum(redemptions):
        problems.append(f"兑付分录合计 {_sum(redemptions)} ≠ 已下达拨付的申请明细合计 "
                        f"{_sum(disbursed_lines, 'verified_amount')}")
    per_order = Counter(redemptions.values_list("order_id", flat=True))
    for order_id, count in per_order.items():
        if count > 1:
            problems.append(f"订单 {order_id} 有 {count} 笔兑付分录（至多一笔）")
    if disbursed_lines.count() != len(per_order):
        problems.append(f"已下达拨付的订单 {disbursed_lines.count()} 个，兑付分录覆盖 {len(per_order)} 个")
    for order in DisbursementOrder.objects.all():
        lines_total = _sum(order.payments.all())
        if lines_total != order.total:
            problems.append(f"拨付文件 {order.number} 金额 {order.total} ≠ 支付明细合计 {lines_total}")
    paid = _sum(DistrictPayment.objects.filter(state=DistrictPayment.State.PAID))
    payments = _sum(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYMENT))
    disbursed = _sum(DisbursementOrder.objects.all(), "total")
    if paid != payments:
        problems.append(f"支付分录合计 {payments} ≠ 已确认的区县支付合计 {paid}")
    if payments > disbursed:
        problems.append(f"支付分录合计 {payments} 超过拨付文件合计 {disbursed}")
    for counter in ProviderYearCap.objects.all():
        approved = _sum(RedemptionClaim.objects.filter(provider_id=counter.provider_id, cap_year=counter.year,
                                                       state__in=LIVE_APPROVED), "verified_amount")
        if approved != counter.approved:
            problems.append(f"服务机构 {counter.provider_id} {counter.year} 年已审批计数 {counter.approved} ≠ "
                            f"审批通过的申请合计 {approved}")
        if counter.approved > counter.cap:
            problems.append(f"服务机构 {counter.provider_id} {counter.year} 年已审批 {counter.approved} 超过上限 {counter.cap}")
    return problems
