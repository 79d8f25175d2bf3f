"""Orders (第十条): the buyer picks a listed product of an admitted provider, confirms the contract amount and
uploads the contract; the order carries its commitment letter (划型及用券承诺书) to stamp and upload back; the
provider confirms completion with service records; the buyer rates; then (deductions.py) applies a voucher."""
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import InvalidInput, InvalidTransition, NotFound, NotPermitted, RuleViolation
from hangqifu.core.money import yuan
from hangqifu.documents.pdf import render_pdf
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.services import document_store
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check, transition_refusal
from hangqifu.policy.services import policy_for
from providers.selectors import orderable_product
from providers.services.products import product_stats_record
from registration.models import Qualification
from registration.selectors.eligibility import park_recognition
from sanctions.services import assert_not_banned

from .. import permissions as perms
from ..models.orders import ORDER_DOCUMENT_KINDS, Order, Satisfaction
from ..selectors.orders import order_get
from .common import assert_buyer_in_programme
from .provider_cap import assert_provider_open_for_orders
from .voucher_claims import active_qualification


def _locked(*, user, order_id) -> Order:
    order_get(user=user, order_id=order_id)
    return Order.objects.select_for_update().select_related("buyer", "provider").get(pk=order_id)


ORDER_DENIED = "您不能对该订单执行此操作"


def _order_fire(order: Order, name: str, actor, *, action: str, changes: dict, payload: dict) -> str:
    return fire(order, name, actor=actor, action=action, changes=changes, payload=payload,
                organisation=order.buyer, denied=ORDER_DENIED,
                wrong_state=f"订单当前为“{order.get_state_display()}”，不能执行此操作")


def completion_refusal(order: Order) -> RuleViolation | None:
    """Why the provider cannot confirm completion yet (the transition's condition: the buyer's stamped letter
    is on file), or None. `order_complete` raises it; the order page shows it on the disabled button."""
    if order.state != Order.State.SIGNED:
        return None
    return transition_refusal(order, "complete", system=True)


def _order_url(order) -> str:
    return reverse("vouchers:order-detail", args=[order.pk])


@transaction.atomic
def order_create(*, actor, product_id, amount, contract) -> Order:
    if not perms.is_buyer(actor):
        raise NotPermitted("只有已认定的企业或小微企业园可以下单")
    assert_not_banned(actor.organisation, entry_point="order")
    year = clock.current_year()
    qualification = active_qualification(actor.organisation_id, year)
    assert_buyer_in_programme(credit_code=qualification.organisation.credit_code, on=clock.today(), action="下单")
    if not str(product_id or "").isdigit():
        raise InvalidInput("请选择服务产品", fields={"product": ["请选择服务产品"]})
    product = orderable_product(product_id=int(product_id))
    try:
        amount = yuan(amount)
    except ValueError:
        raise InvalidInput("合同金额格式不正确", fields={"amount": ["请输入以元为单位、最多两位小数的金额"]}) from None
    if amount <= 0:
        raise InvalidInput("合同金额必须大于 0", fields={"amount": ["合同金额必须大于 0"]})
    if amount > product.price:
        raise RuleViolation(f"合同金额不得高于产品标价 {product.price} 元（标准化产品按目录价格签约）",
                            code="amount_over_price", fields={"amount": [f"不得高于 {product.price} 元"]})
    assert_provider_open_for_orders(provider=product.provider, year=year)  # 第十二条: before the buyer signs
    if contract is None:
        raise InvalidInput("请上传双方签订的服务合同", code="invalid_document", fields={"contract": ["必须上传合同"]})
    size_class = getattr(qualification.registration, "size_class", "") if qualification.registration_id else ""
    order = Order.objects.create(
        buyer=actor.organisation, buyer_user=actor, provider=product.provider, product=product, year=year,
        category=product.category, product_title=product.title, product_price=product.price, amount=amount,
        buyer_size_class=size_class or "", signed_at=clock.now())
    document_store(owner=order, kind="contract", uploaded_file=contract, actor=actor,
                   allowed_kinds=ORDER_DOCUMENT_KINDS)
    product_stats_record(product_id=product.pk, ordered=True)
    audit_record(actor=actor, action="order.create", obj=order, to_state=order.state, organisation=order.buyer,
                 payload={"product": product.pk, "provider": product.provider_id, "amount": amount,
                          "category": product.category, "size_class": order.buyer_size_class})
    notify(subject=f"新订单 {order.number}：{order.product_title}", organisation=order.provider, url=_order_url(order),
           body=f"{order.buyer.name} 已签约购买“{order.product_title}”，合同金额 {amount} 元。")
    return order


@transaction.atomic
def order_document_add(*, actor, order_id, kind: str, uploaded_file):
    """The buyer uploads the stamped commitment letter (to hand to the provider; redemption needs it); the
    provider uploads service records (deliverables, service ledger) before confirming completion."""
    order = _locked(user=actor, order_id=order_id)
    if kind == "stamped_commitment_letter":
        if not perms.is_buyer_of(order, actor):
            raise NotPermitted("只有购买方可以上传盖章承诺书")
        if order.state == Order.State.CANCELLED:
            raise InvalidTransition("订单已取消")
        notify(subject=f"订单 {order.number} 的盖章承诺书已上传", organisation=order.provider, url=_order_url(order))
    elif kind == "service_record":
        if not perms.is_provider_of(order, actor):
            raise NotPermitted("只有服务机构可以上传服务记录")
        if order.state != Order.State.SIGNED:
            raise InvalidTransition("服务记录须在确认服务完成前上传")
    else:
        raise InvalidInput("订单只接受盖章承诺书和服务记录", code="invalid_document",
                           fields={"kind": ["stamped_commitment_letter 或 service_record"]})
    return document_store(owner=order, kind=kind, uploaded_file=uploaded_file, actor=actor,
                          allowed_kinds=ORDER_DOCUMENT_KINDS)


def order_upload_stamped_letter(*, actor, order_id, uploaded_file):
    return order_document_add(actor=actor, order_id=order_id, kind="stamped_commitment_letter",
                              uploaded_file=uploaded_file)


@transaction.atomic
def order_complete(*, actor, order_id, service_records: list | None = None, note: str = "") -> Order:
    """The provider confirms delivery, with at least one service record uploaded now or before (第十、十六条)."""
    order = _locked(user=actor, order_id=order_id)
    files = [f for f in (service_records or []) if f]
    transition_check(order, "complete", actor=actor, denied=ORDER_DENIED,
                     wrong_state=f"订单当前为“{order.get_state_display()}”，不能执行此操作")
    if not files and not documents_for(order, "service_record").exists():
        raise InvalidInput("请上传服务记录（交付成果、服务台账等）", code="invalid_document",
                           fields={"service_records": ["至少上传一份服务记录"]})
    for uploaded in files:
        document_store(owner=order, kind="service_record", uploaded_file=uploaded, actor=actor,
                       allowed_kinds=ORDER_DOCUMENT_KINDS)
    note = (note or "").strip()[:2000]
    _order_fire(order, "complete", actor, action="order.complete", changes={"completion_note": note},
                payload={"service_records": documents_for(order, "service_record").count(), "note": note})
    notify(subject=f"订单 {order.number} 服务已完成，请评价", organisation=order.buyer, url=_order_url(order),
           body=f"{order.provider.name} 已确认“{order.product_title}”服务完成，请进行满意度评价后使用服务券抵扣。")
    return order


@transaction.atomic
def order_rate(*, actor, order_id, satisfaction: str, comment: str = "") -> Order:
    order = _locked(user=actor, order_id=order_id)
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("请选择满意度", fields={"satisfaction": ["满意 / 基本满意 / 不满意"]})
    comment = (comment or "").strip()
    if satisfaction == Satisfaction.DISSATISFIED and not comment:
        raise InvalidInput("评价为不满意时请说明原因", fields={"comment": ["请说明不满意的原因"]})
    comment = comment[:2000]
    _order_fire(order, "rate", actor, action="order.rate",
                changes={"satisfaction": satisfaction, "rating_comment": comment},
                payload={"satisfaction": satisfaction, "comment": comment})
    product_stats_record(product_id=order.product_id, satisfaction=satisfaction)
    notify(subject=f"订单 {order.number} 收到评价：{order.get_satisfaction_display()}", organisation=order.provider,
           url=_order_url(order))
    return order


@transaction.atomic
def order_cancel(*, actor, order_id, reason: str = "") -> Order:
    order = _locked(user=actor, order_id=order_id)
    reason = (reason or "").strip()[:200]
    _order_fire(order, "cancel", actor, action="order.cancel", changes={"cancel_reason": reason},
                payload={"reason": reason})
    other = order.provider if perms.is_buyer_of(order, actor) else order.buyer
    notify(subject=f"订单 {order.number} 已取消", organisation=other, url=_order_url(order),
           body=f"“{order.product_title}”订单已由{actor.organisation.name}取消。{order.cancel_reason}")
    return order


def commitment_letter_title(order: Order) -> str:
    """第十条: an enterprise signs 中小微企业划型及用券承诺书, a park 小微企业园认定及用券承诺书."""
    return ("小微企业园认定及用券承诺书" if order.buyer.kind == order.buyer.Kind.PARK
            else "中小微企业划型及服务券使用承诺书")


def commitment_letter_pdf(*, order: Order) -> bytes:
    """The order's commitment letter, from what was fixed when it was signed: an enterprise's size class, or
    a park's recognition (its own letter, not the enterprise's)."""

    qualification = Qualification.objects.filter(organisation_id=order.buyer_id, year=order.year).first()
    context = {"title": commitment_letter_title(order), "order": order, "buyer": order.buyer,
               "qualification": qualification, "document_number": f"订单编号：{order.number}",
               "issuer": order.buyer.name, "issued_on": order.signed_at, "max_ratio": _ratio_label(order.year)}
    if order.buyer.kind == order.buyer.Kind.PARK:
        park = park_recognition(order.buyer.credit_code, timezone.localdate(order.signed_at))
        return render_pdf("vouchers/money/park_commitment_letter.pdf.html", {**context, "park": park})
    return render_pdf("vouchers/money/commitment_letter.pdf.html",
                      {**context, "size_label": order.buyer_size_label or "—"})


def _ratio_label(year: int) -> str:
    try:
        return f"{policy_for(year).deduction_ratio * 100:.0f}%"
    except NotFound:
        return "—"
