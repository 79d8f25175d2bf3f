"""第二十条 资金追回: when the bureau confirms fraud (虚报、冒领), the organisation is banned (a sanction), the voucher
money of the orders concerned is recovered — reversal entries in the vouchers ledger and a `Recovery` record
tracked open → partially_repaid → repaid — and a provider is put through the removal FSM (虚假交易、串通套现)."""
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.predicates import is_staff
from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation
from hangqifu.core.money import yuan
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from providers.models import ProviderProfile, Removal, RemovalReason
from providers.services.removals import removal_confirm, removal_propose
from redemption.models import ClaimLine, RedemptionClaim
from sanctions.services import _clean_reason, sanction_impose
from vouchers.models import Deduction, LedgerEntry, Order
from vouchers.services.ledger import ledger_record

from . import permissions as perms
from .models import Recovery, RecoveryLine, Repayment


def _orders_for(*, organisation: Organisation, order_ids, claim_ids):
    """The deducted orders concerned: given directly, or through the lines of the given redemption claims.
    Each must involve the organisation (as buyer or provider); each claim must be the organisation's."""
    order_ids = {int(pk) for pk in order_ids or ()}
    claim_ids = {int(pk) for pk in claim_ids or ()}
    claim_of: dict[int, int] = {}
    if claim_ids:
        claims = set(RedemptionClaim.objects.filter(pk__in=claim_ids, provider=organisation)
                     .values_list("pk", flat=True))
        if claims != claim_ids:
            raise InvalidInput("所列兑付申请不存在或不属于该组织", fields={"claims": ["无效的兑付申请"]})
        for claim_id, order_id in ClaimLine.objects.filter(claim_id__in=claim_ids, live=True).values_list(
                "claim_id", "order_id"):
            claim_of[order_id] = claim_id
            order_ids.add(order_id)
    if not order_ids:
        raise InvalidInput("请列明涉及的订单或兑付申请", fields={"orders": ["至少一个订单或兑付申请"]})
    orders = list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk"))
    found = {o.pk for o in orders}
    if found != order_ids or any(organisation.pk not in (o.buyer_id, o.provider_id) for o in orders):
        raise InvalidInput("所列订单不存在或与该组织无关", fields={"orders": ["无效的订单"]})
    # a redeemed order's live claim line, when not given through a claim
    for order_id, claim_id in ClaimLine.objects.filter(order_id__in=found, live=True).exclude(
            order_id__in=claim_of).values_list("order_id", "claim_id"):
        claim_of[order_id] = claim_id
    return orders, claim_of


@transaction.atomic
def fraud_confirm(*, actor, organisation: Organisation, reason: str, order_ids=(), claim_ids=(),
                  ban_years: int | None = None) -> Recovery:
    """The bureau's decision that fraud is confirmed: ban (sanction + credit record), recover the deductions
    of the orders concerned (ledger reversals + Recovery), and propose and confirm a provider's removal."""
    if not perms.can_confirm_fraud(actor):
        raise NotPermitted("只有市经信局可以认定违规套取资金并决定追回")
    reason = _clean_reason(reason)
    orders, claim_of = _orders_for(organisation=organisation, order_ids=order_ids, claim_ids=claim_ids)
    deductions = {d.order_id: d for d in Deduction.objects.select_for_update().filter(
        order_id__in=[o.pk for o in orders]).order_by("pk")}
    missing = [o.number for o in orders if o.pk not in deductions]
    if missing:
        raise InvalidInput(f"订单 {'、'.join(missing)} 未使用服务券抵扣，无资金可追回", fields={"orders": missing})
    done = list(RecoveryLine.objects.filter(deduction__in=deductions.values()).values_list("order_id", flat=True))
    if done:
        numbers = [o.number for o in orders if o.pk in done]
        raise RuleViolation(f"订单 {'、'.join(numbers)} 的资金已在追回中", code="already_recovered")
    sanction = sanction_impose(actor=actor, organisation=organisation, reason=f"虚报、冒领服务券资金：{reason}",
                               ban_years=ban_years)
    total = sum((deductions[o.pk].amount for o in orders), Decimal("0.00"))
    now = clock.now()
    recovery = Recovery.objects.create(organisation=organisation, sanction=sanction, reason=reason, amount=total,
                                       decided_by=actor, decided_at=now)
    for order in orders:
        deduction = deductions[order.pk]
        RecoveryLine.objects.create(recovery=recovery, order=order, deduction=deduction,
                                    claim_id=claim_of.get(order.pk), amount=deduction.amount)
        ledger_record(kind=LedgerEntry.Kind.REVERSAL, year=deduction.year, amount=deduction.amount, actor=actor,
                      organisation=organisation, fund=deduction.fund, voucher=deduction.voucher, order=order,
                      deduction=deduction, reference=recovery.number,
                      memo=f"违规套取追回：订单 {order.number}")
    audit_record(actor=actor, action="recovery.open", obj=recovery, to_state=recovery.state,
                 organisation=organisation,
                 payload={"amount": total, "orders": [o.pk for o in orders], "claims": sorted(set(claim_of.values())),
                          "sanction": sanction.pk, "reason": reason})
    if organisation.kind == Organisation.Kind.PROVIDER:
        _remove_provider(actor=actor, organisation=organisation, reason=reason, recovery=recovery)
    notify(organisation=organisation, subject=f"资金追回通知：应退回 {total} 元",
           body=(f"经核查，{organisation.name} 存在虚报、冒领服务券资金的情形：{reason}。依据《杭州市中小微企业服务券管理办法》"
                 f"第二十条，应退回服务券资金 {total} 元（追回编号 {recovery.number}），请按通知缴回并提供缴款凭证。"),
           url=reverse("audit:recovery-detail", args=[recovery.pk]))
    notify(subject=f"新的资金追回：{organisation.name} {total} 元", roles=[Role.FINANCE_BUREAU],
           url=reverse("audit:recovery-detail", args=[recovery.pk]))
    return recovery


def _remove_provider(*, actor, organisation, reason, recovery):
    """Through the providers removal FSM: proposed with reason 虚假交易、串通套现 and confirmed by the bureau;
    the service center then announces it as for any removal."""
    profile = ProviderProfile.objects.filter(organisation=organisation, state=ProviderProfile.State.ADMITTED).first()
    if profile is None:
        return None
    open_removal = Removal.objects.filter(profile=profile, state__in=["proposed", "confirmed", "announced"]).first()
    if open_removal is not None:
        return open_removal
    removal = removal_propose(actor=actor, profile=profile, reason=RemovalReason.FAKE_TRANSACTIONS,
                              details=f"经认定存在虚假交易或与企业串通套取资金：{reason}（追回编号 {recovery.number}）",
                              evidence={"recovery": recovery.pk, "amount": str(recovery.amount)})
    return removal_confirm(actor=actor, removal=removal, opinion="违规套取资金已认定，予以清退")


def _parse_amount(value) -> Decimal:
    try:
        amount = yuan(value)
    except (ValueError, InvalidOperation, TypeError):
        raise InvalidInput("金额格式不正确", fields={"amount": ["请输入金额，如 1000.00"]}) from None
    if amount <= 0:
        raise InvalidInput("金额必须大于零", fields={"amount": ["金额必须大于零"]})
    return amount


@transaction.atomic
def repayment_record(*, actor, recovery: Recovery, amount, reference: str, paid_on: date) -> Repayment:
    """A repayment received (bureau or finance bureau), with the payment reference and date."""
    if not perms.can_record_repayment(actor):
        raise NotPermitted("只有市经信局或市财政局可以登记追回缴款")
    amount = _parse_amount(amount)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("请填写缴款凭证号", fields={"reference": ["必填"]})
    if paid_on is None or paid_on > clock.today():
        raise InvalidInput("缴款日期不能晚于今天", fields={"paid_on": ["日期无效"]})
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    transition_check(recovery, "repay_part", actor=actor, wrong_state="该笔追回已全部完成")
    if amount > recovery.outstanding:
        raise RuleViolation(f"缴款金额 {amount} 元超过尚未追回的 {recovery.outstanding} 元", code="over_repayment",
                            fields={"amount": [f"至多 {recovery.outstanding} 元"]})
    if recovery.repayments.filter(reference=reference).exists():
        raise RuleViolation("该缴款凭证已登记", code="duplicate_reference", fields={"reference": ["已登记"]})
    repayment = Repayment.objects.create(recovery=recovery, amount=amount, reference=reference, paid_on=paid_on,
                                         recorded_by=actor, recorded_at=clock.now())
    repaid = recovery.repaid + amount
    in_full = repaid == recovery.amount
    fire(recovery, "repay_all" if in_full else "repay_part", actor=actor, action="recovery.repayment",
         changes={"repaid": repaid, **({"repaid_at": clock.now()} if in_full else {})},
         organisation=recovery.organisation,
         payload={"amount": amount, "reference": reference, "paid_on": paid_on,
                  "outstanding": recovery.amount - repaid})
    notify(organisation=recovery.organisation, subject=f"已登记追回缴款 {amount} 元",
           body=f"追回编号 {recovery.number}：已追回 {recovery.repaid} 元，尚欠 {recovery.outstanding} 元。",
           url=reverse("audit:recovery-detail", args=[recovery.pk]))
    return repayment


def recovery_list(*, user, state: str = ""):
    qs = Recovery.objects.select_related("organisation", "sanction").order_by("-id")
    if not is_staff(user):
        qs = qs.filter(organisation_id=user.organisation_id) if user.organisation_id else qs.none()
    if state:
        qs = qs.filter(state=state)
    return qs
