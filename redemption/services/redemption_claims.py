"""Redemption claims (第十一条): the provider files, the service center pre-reviews, the bureau approves.

Lock order everywhere: settlement batch → claim → claim lines → cap counter."""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted, RuleViolation
from hangqifu.core.money import ZERO, fmt, yuan
from hangqifu.documents.kinds import kind_label
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_delete, document_store
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check
from registration.selectors.eligibility import assert_not_listed
from sanctions.services import assert_not_banned
from vouchers.models.orders import Order

from .. import permissions as perms
from ..models import CLAIM_DOCUMENT_KINDS, ClaimLine, REQUIRED_DOCUMENT_KINDS, RedemptionClaim
from .cap import cap_check, cap_release, cap_reserve, claim_service_year, service_year_of

MAX_LINES = 200


def _assert_not_banned(provider) -> None:
    assert_not_banned(provider, entry_point="redemption")


def assert_provider_not_listed(provider) -> None:
    """第六、十四条: a provider on a dishonesty list is not paid — approval, settlement and payment ask the lists
    in force that day (409 `credit_listed`)."""
    assert_not_listed(provider.credit_code, on=clock.today(), party=f"服务机构 {provider.name} ")


def _lock(claim: RedemptionClaim) -> RedemptionClaim:
    return RedemptionClaim.objects.select_for_update().select_related("provider").get(pk=claim.pk)


def _require_owner(claim, actor):
    if not perms.can_view_claim(claim, actor):
        raise NotFound("兑付申请不存在")
    if not perms.claim_owner(claim, actor):
        raise NotPermitted("只有申请的服务机构可以修改或提交兑付申请")


def expected_invoice_amount(order: Order) -> Decimal:
    """第十一条: the VAT invoice is for the order's actual amount excluding the voucher deduction."""
    return order.amount - order.deduction.amount


def _parse_lines(provider, lines: list[dict]) -> list[ClaimLine]:
    if not lines:
        raise InvalidInput("请至少选择一个已抵扣的订单", fields={"orders": ["请至少选择一个已抵扣的订单"]})
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"一次最多申请 {MAX_LINES} 个订单", fields={"orders": ["订单过多"]})
    order_ids = []
    for index, line in enumerate(lines):
        try:
            order_ids.append(int(line.get("order")))
        except (TypeError, ValueError):
            raise InvalidInput("订单编号无效", fields={f"orders[{index}].order": ["订单编号无效"]}) from None
    if len(set(order_ids)) != len(order_ids):
        raise InvalidInput("同一订单不能在一份申请中出现两次", code="duplicate_order",
                           fields={"orders": ["同一订单不能重复申请"]})
    orders = {o.pk: o for o in Order.objects.select_for_update(of=("self",)).filter(pk__in=order_ids)
              .select_related("deduction")}
    result = []
    for index, (order_id, line) in enumerate(zip(order_ids, lines, strict=True)):
        field = f"orders[{index}]"
        order = orders.get(order_id)
        if order is None or order.provider_id != provider.pk:
            raise InvalidInput(f"订单 {order_id} 不存在或不是本机构的订单", code="order_not_found",
                               fields={f"{field}.order": ["订单不存在或不是本机构的订单"]})
        if order.state != Order.State.DEDUCTED or not hasattr(order, "deduction"):
            raise RuleViolation(f"订单 {order.number} 尚未完成服务券抵扣，不能申请兑付", code="order_not_deducted",
                                fields={f"{field}.order": ["订单尚未抵扣"]})
        if ClaimLine.objects.filter(order=order, live=True).exists() or hasattr(order, "redemption"):
            raise RuleViolation(f"订单 {order.number} 已在其他兑付申请中，不能重复申请", code="order_already_claimed",
                                fields={f"{field}.order": ["订单已在其他兑付申请中"]})
        number = str(line.get("invoice_number") or "").strip()
        if not number or len(number) > 50:
            raise InvalidInput("请填写发票号码（不超过 50 个字符）", fields={f"{field}.invoice_number": ["请填写发票号码"]})
        try:
            invoice_amount = yuan(line.get("invoice_amount"))
        except ValueError:
            raise InvalidInput("发票金额格式不正确", fields={f"{field}.invoice_amount": ["发票金额格式不正确"]}) from None
        expected = expected_invoice_amount(order)
        if invoice_amount != expected:
            detail = (f"订单 {order.number} 的发票金额应为订单实际金额 {fmt(order.amount)} 元减去服务券抵扣 "
                      f"{fmt(order.deduction.amount)} 元，即 {fmt(expected)} 元，填写的是 {fmt(invoice_amount)} 元")
            raise InvalidInput(detail, code="invoice_mismatch", fields={f"{field}.invoice_amount": [detail]})
        result.append(ClaimLine(order=order, deduction=order.deduction, invoice_number=number,
                                invoice_amount=invoice_amount, amount=order.deduction.amount))
    return result


@transaction.atomic
def claim_create(*, actor, lines: list[dict], is_public_institution: bool = False) -> RedemptionClaim:
    """A draft claim of the actor's provider for its deducted orders ({"order","invoice_number","invoice_amount"})."""
    if not perms.is_provider(actor):
        raise NotPermitted("只有服务机构可以申请兑付")
    provider = actor.organisation
    _assert_not_banned(provider)
    if not provider.district:
        raise RuleViolation("请先在机构信息中填写所在区县（兑付资金由所在区县拨付）", code="provider_district_missing")
    parsed = _parse_lines(provider, lines)
    total = sum((line.amount for line in parsed), ZERO)
    cap_check(provider=provider, year=service_year_of(parsed), amount=total)
    claim = RedemptionClaim.objects.create(provider=provider, created_by=actor, claimed_amount=total,
                                           is_public_institution=bool(is_public_institution),
                                           created_at=clock.now())
    for line in parsed:
        line.claim = claim
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(parsed)
    except IntegrityError:
        raise RuleViolation("所选订单已在其他兑付申请中，不能重复申请", code="order_already_claimed") from None
    audit_record(actor=actor, action="redemption.claim_create", obj=claim, to_state=claim.state,
                 organisation=provider, payload={"orders": [line.order_id for line in parsed],
                                                 "claimed_amount": total})
    return claim


@transaction.atomic
def claim_document_add(*, claim: RedemptionClaim, actor, kind: str, uploaded_file):
    claim = _lock(claim)
    _require_owner(claim, actor)
    if not claim.is_editable:
        raise InvalidTransition("兑付申请已提交，不能再修改材料")
    return document_store(owner=claim, kind=kind, uploaded_file=uploaded_file, actor=actor,
                          allowed_kinds=set(CLAIM_DOCUMENT_KINDS))


@transaction.atomic
def claim_document_remove(*, claim: RedemptionClaim, actor, document_id: int) -> None:
    claim = _lock(claim)
    _require_owner(claim, actor)
    if not claim.is_editable:
        raise InvalidTransition("兑付申请已提交，不能再修改材料")
    document = documents_for(claim).filter(pk=document_id).first()
    if document is None:
        raise NotFound("材料不存在")
    document_delete(document=document, actor=actor)


def missing_documents(claim: RedemptionClaim) -> list[str]:
    present = set(documents_for(claim).values_list("kind", flat=True))
    return [kind for kind in REQUIRED_DOCUMENT_KINDS if kind not in present]


def document_label(claim: RedemptionClaim, kind: str) -> str:
    if kind == "bank_receipt" and claim.is_public_institution:
        return "财政票据（事业单位）"
    return kind_label(kind)


@transaction.atomic
def claim_submit(*, claim: RedemptionClaim, actor) -> RedemptionClaim:
    claim = _lock(claim)
    _require_owner(claim, actor)
    _assert_not_banned(claim.provider)
    missing = missing_documents(claim)
    if missing:
        labels = "、".join(document_label(claim, kind) for kind in missing)
        raise InvalidInput(f"缺少第十一条规定的材料：{labels}", code="invalid_document",
                           fields={"documents": [document_label(claim, kind) for kind in missing]})
    cap_check(provider=claim.provider, year=claim_service_year(claim), amount=claim.claimed_amount)
    fire(claim, "submit", actor=actor, action="redemption.claim_submit", fields=["submitted_at"],
         payload={"claimed_amount": claim.claimed_amount})
    notify(subject=f"新的兑付申请待形式预审：{claim.provider.name}", roles=[Role.SERVICE_CENTER],
           url=reverse("admin:redemption_redemptionclaim_change", args=[claim.pk]),
           body=f"{claim.number}，申请兑付 {fmt(claim.claimed_amount)} 元。")
    return claim


@transaction.atomic
def claim_pre_review(*, claim: RedemptionClaim, actor, passed: bool, opinion: str,
                     verified: dict[int, Decimal] | None = None) -> RedemptionClaim:
    """Service center formal pre-review. Passed: writes the verified amount per order (default: the deduction)
    and the opinion. Not passed: the claim is returned for correction with the opinion."""
    claim = _lock(claim)
    if not perms.is_service_center(actor):
        raise NotPermitted("只有市工信服务中心可以进行形式预审")
    opinion = (opinion or "").strip()
    if not passed:
        return _return(claim, actor, opinion)
    if claim.state != RedemptionClaim.State.SUBMITTED:
        raise InvalidTransition(f"兑付申请当前状态为“{claim.get_state_display()}”，不能预审")
    lines = list(claim.lines.select_for_update().order_by("id"))
    verified = verified or {}
    unknown = set(verified) - {line.order_id for line in lines}
    if unknown:
        raise InvalidInput("核定金额中含有不属于本申请的订单", fields={"lines": [f"订单 {pk} 不在申请中" for pk in unknown]})
    total = ZERO
    for line in lines:
        amount = verified.get(line.order_id, line.amount)
        if amount < 0 or amount > line.amount:
            raise InvalidInput(f"订单 {line.order.number} 的核定金额须在 0 至抵扣金额 {fmt(line.amount)} 元之间",
                               code="invalid_verified_amount", fields={"lines": [f"订单 {line.order_id} 核定金额无效"]})
        line.verified_amount = amount
        total += amount
    if total <= 0:
        raise InvalidInput("核定兑付金额合计为 0，请退回或不予兑付", code="invalid_verified_amount")
    ClaimLine.objects.bulk_update(lines, ["verified_amount"])
    claim.pre_review_opinion, claim.pre_reviewed_by, claim.verified_amount = opinion or "形式预审通过", actor, total
    fire(claim, "pre_review", actor=actor, action="redemption.claim_pre_review",
         fields=["pre_review_opinion", "pre_reviewed_by", "pre_reviewed_at", "verified_amount"],
         payload={"opinion": claim.pre_review_opinion, "verified_amount": total,
                  "lines": {str(line.order_id): str(line.verified_amount) for line in lines}})
    notify(subject=f"兑付申请待审批：{claim.provider.name}", roles=[Role.BUREAU],
           url=reverse("admin:redemption_redemptionclaim_change", args=[claim.pk]),
           body=f"{claim.number}，核定兑付 {fmt(total)} 元。")
    return claim


def _return(claim, actor, opinion):
    if not opinion:
        raise InvalidInput("退回时须填写意见", fields={"opinion": ["请填写退回意见"]})
    claim.decision_opinion = opinion
    fire(claim, "return_for_correction", actor=actor, action="redemption.claim_return", fields=["decision_opinion"],
         payload={"opinion": opinion})
    claim.lines.update(verified_amount=None)
    claim.verified_amount = None
    claim.save(update_fields=["verified_amount"])
    notify(subject=f"兑付申请被退回补正：{claim.number}", organisation=claim.provider, url=claim.get_absolute_url(),
           body=f"意见：{opinion}")
    return claim


@transaction.atomic
def claim_return(*, claim: RedemptionClaim, actor, opinion: str) -> RedemptionClaim:
    claim = _lock(claim)
    if not perms.reviewer(claim, actor):
        raise NotPermitted("只有市工信服务中心或市经信局可以退回兑付申请")
    return _return(claim, actor, (opinion or "").strip())


@transaction.atomic
def claim_approve(*, claim: RedemptionClaim, actor, opinion: str = "") -> RedemptionClaim:
    """Bureau approval. Counts the verified amount against the provider's annual cap in the database and marks
    every order redeemed (UNIQUE), both in this transaction."""
    claim = _lock(claim)
    transition_check(claim, "approve", actor=actor, denied="只有市经信局可以审批兑付申请",
                     wrong_state=f"兑付申请当前状态为“{claim.get_state_display()}”，不能审批")
    _assert_not_banned(claim.provider)
    assert_provider_not_listed(claim.provider)
    year = claim_service_year(claim)  # 第十二条 counts by service year
    cap_reserve(provider=claim.provider, year=year, amount=claim.verified_amount)
    lines = list(claim.lines.select_for_update().order_by("id"))
    try:
        with transaction.atomic():
            for line in lines:
                line.redeemed_order_id = line.order_id
            ClaimLine.objects.bulk_update(lines, ["redeemed_order"])
    except IntegrityError:
        raise RuleViolation("申请中的订单已兑付过，不能重复兑付", code="order_already_redeemed") from None
    claim.cap_year, claim.approved_by = year, actor
    claim.decision_opinion = (opinion or "").strip()
    fire(claim, "approve", actor=actor, action="redemption.claim_approve",
         fields=["cap_year", "approved_by", "approved_at", "decision_opinion"],
         payload={"verified_amount": claim.verified_amount, "cap_year": year})
    notify(subject=f"兑付申请已审批通过：{claim.number}", organisation=claim.provider, url=claim.get_absolute_url(),
           body=f"核定兑付 {fmt(claim.verified_amount)} 元，将纳入下一结算批次公示后拨付。")
    return claim


@transaction.atomic
def claim_reject(*, claim: RedemptionClaim, actor, opinion: str) -> RedemptionClaim:
    claim = _lock(claim)
    if not perms.reviewer(claim, actor):
        raise NotPermitted("只有市工信服务中心或市经信局可以作出不予兑付决定")
    opinion = (opinion or "").strip()
    if not opinion:
        raise InvalidInput("不予兑付须填写理由", fields={"opinion": ["请填写理由"]})
    claim.decision_opinion = opinion
    fire(claim, "reject", actor=actor, action="redemption.claim_reject", fields=["decision_opinion", "closed_at"],
         payload={"opinion": opinion})
    notify(subject=f"兑付申请不予兑付：{claim.number}", organisation=claim.provider, url=claim.get_absolute_url(),
           body=f"理由：{opinion}")
    return claim


@transaction.atomic
def claim_withdraw(*, claim: RedemptionClaim, actor) -> RedemptionClaim:
    """The provider withdraws a draft or returned claim; its orders may be claimed again."""
    claim = _lock(claim)
    _require_owner(claim, actor)
    fire(claim, "withdraw", actor=actor, action="redemption.claim_withdraw", fields=["closed_at"])
    claim.lines.update(live=False)
    return claim


@transaction.atomic
def claim_revoke_after_objection(*, claim: RedemptionClaim, actor, reason: str) -> RedemptionClaim:
    """An objection to the claim's public notice was upheld: the approval is undone (cap headroom returned,
    orders no longer redeemed) and the claim leaves its batch. Its orders stay blocked (不予兑付)."""
    claim = _lock(claim)
    if claim.state not in (RedemptionClaim.State.APPROVED, RedemptionClaim.State.IN_SETTLEMENT):
        return claim
    if claim.payment_id is not None:
        # Cannot happen through the notice (held claims leave the batch before signing); never undo money
        # already allocated from inside another app's transaction — record it for the bureau instead.
        audit_record(actor=actor, action="redemption.claim_revoke_refused", obj=claim, organisation=claim.provider,
                     payload={"reason": reason, "payment": claim.payment_id})
        return claim
    cap_release(provider=claim.provider, year=claim.cap_year, amount=claim.verified_amount)
    claim.lines.update(redeemed_order=None)
    previous_batch, previous_district = claim.batch_id, claim.settlement_district
    claim.batch, claim.settlement_district, claim.under_investigation = None, None, False
    claim.decision_opinion = reason
    fire(claim, "revoke_after_objection", actor=None, system=True, action="redemption.claim_revoke",
         fields=["batch", "settlement_district", "under_investigation", "decision_opinion", "closed_at"],
         payload={"reason": reason, "batch": previous_batch, "district": previous_district,
                  "released": claim.verified_amount, "by": getattr(actor, "username", "")})
    notify(subject=f"兑付申请因公示异议成立不予兑付：{claim.number}", organisation=claim.provider,
           url=claim.get_absolute_url(), body=reason)
    return claim
