"""District payments (第十一条): each district pays its providers through 亲清在线 and confirms each payment here.
A confirmation is recorded once (row lock + FSM + a replay with the same reference changes nothing); a failed
payment is marked and later confirmed when the retry succeeds; the batch completes when every line is paid.

Lock order: settlement batch → payment → claims."""
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from hangqifu.core.money import fmt
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire
from vouchers.models.ledger import LedgerEntry
from vouchers.services.ledger import ledger_record

from .. import permissions as perms
from ..models import DistrictPayment, RedemptionClaim, SettlementBatch
from .batch_base import batch_complete_if_all_paid
from .redemption_claims import assert_provider_not_listed


def _locked(payment: DistrictPayment, actor) -> tuple[SettlementBatch, DistrictPayment]:
    if not perms.can_view_payment(payment, actor):
        raise NotFound("支付记录不存在")
    if not perms.payment_district(payment, actor):
        raise NotPermitted("只有该区县（市）财政的工作人员可以确认支付")
    batch = SettlementBatch.objects.select_for_update().get(pk=payment.batch_id)
    return batch, DistrictPayment.objects.select_for_update().select_related("provider").get(pk=payment.pk)


@transaction.atomic
def payment_confirm(*, payment: DistrictPayment, actor, reference: str, paid_at: datetime) -> DistrictPayment:
    """Confirm a payment made through QinQing Online. Replaying the same confirmation returns the line unchanged."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise InvalidInput("请填写亲清在线支付流水号（不超过 100 个字符）", fields={"reference": ["请填写支付流水号"]})
    if paid_at is None:
        raise InvalidInput("请填写支付时间", fields={"paid_at": ["请填写支付时间"]})
    if timezone.is_naive(paid_at):
        paid_at = timezone.make_aware(paid_at)
    if paid_at > clock.now():
        raise InvalidInput("支付时间不能晚于当前时间", fields={"paid_at": ["支付时间不能晚于当前时间"]})
    batch, payment = _locked(payment, actor)
    if payment.state == DistrictPayment.State.PAID:
        if payment.reference == reference:
            return payment
        raise RuleViolation(f"该笔款项已于 {timezone.localtime(payment.paid_at):%Y-%m-%d %H:%M} 确认支付"
                            f"（流水号 {payment.reference}），不能重复确认", code="already_paid")
    if batch.finance_signed_at and paid_at < batch.finance_signed_at:
        raise InvalidInput("支付时间不能早于拨付文件下达时间", fields={"paid_at": ["支付时间早于拨付文件下达"]})
    assert_provider_not_listed(payment.provider)  # 第六条: not paid while listed (a replay above stays a replay)
    fire(payment, "confirm", actor=actor, action="settlement.payment_confirm", organisation=payment.provider,
         changes={"reference": reference, "paid_at": paid_at, "confirmed_by": actor},
         payload={"amount": payment.amount, "reference": reference, "paid_at": paid_at})
    ledger_record(kind=LedgerEntry.Kind.PAYMENT, year=batch.year, amount=payment.amount, organisation=payment.provider,
                  reference=reference[:100], memo=f"{payment.disbursement_order.number} 亲清在线支付", actor=actor)
    for claim in RedemptionClaim.objects.select_for_update().filter(payment=payment).order_by("id"):
        fire(claim, "mark_paid", actor=actor, system=True, action="redemption.claim_paid",
             organisation=claim.provider, payload={"payment": payment.pk})
    notify(subject=f"兑付款已到账确认：{fmt(payment.amount)} 元", organisation=payment.provider,
           body=f"{payment.get_district_display()}已通过亲清在线支付，流水号 {reference}。")
    batch_complete_if_all_paid(batch, confirmed_by=actor)
    return payment


@transaction.atomic
def payment_fail(*, payment: DistrictPayment, actor, reason: str) -> DistrictPayment:
    """The QinQing payment failed (e.g. wrong account): the line is marked and can be confirmed after a retry."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写失败原因", fields={"reason": ["请填写失败原因"]})
    batch, payment = _locked(payment, actor)
    fire(payment, "fail", actor=actor, action="settlement.payment_fail", organisation=payment.provider,
         changes={"failure_reason": reason[:200]}, payload={"reason": reason},
         wrong_state=f"该笔支付当前状态为“{payment.get_state_display()}”，不能标记失败")
    notify(subject=f"兑付款支付失败：{fmt(payment.amount)} 元", organisation=payment.provider,
           body=f"{payment.get_district_display()}反馈支付失败：{reason}。请核对收款账户信息，区县将重新支付。")
    return payment
