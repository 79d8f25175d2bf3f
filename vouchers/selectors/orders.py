"""Reads of orders: scoped lists, the caller's actions, the timeline and the deduction quote."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from hangqifu.core import clock
from hangqifu.core.errors import NotFound
from hangqifu.core.money import ZERO, share
from hangqifu.documents.selectors import documents_for
from hangqifu.policy.services import policy_for
from registration.models import Qualification

from .. import permissions as perms
from ..models.funds import Fund
from ..models.orders import Order
from ..models.vouchers import Voucher
from ..services.provider_cap import provider_headroom
from .scope import narrowed, visible_to

ACTION_LABELS = {"complete": "确认服务完成", "rate": "满意度评价", "deduct": "使用服务券抵扣", "cancel": "取消订单"}


def orders_for(*, user, state: str | None = None, year=None) -> QuerySet[Order]:
    """Buyers see their orders, providers their incoming orders, staff all of them."""
    orders = visible_to(user, Order.objects.all(), buyer="buyer_id", provider="provider_id")
    return narrowed(orders, state=state, year=year).select_related("buyer", "provider", "deduction").order_by("-id")


def order_get(*, user, order_id) -> Order:
    """The order if `user` may see it; 404 otherwise (a foreign order is indistinguishable from none)."""
    order = (Order.objects.select_related("buyer", "provider", "product").filter(pk=order_id).first()
             if str(order_id).isdigit() else None)
    if order is None or not perms.can_view_order(order, user):
        raise NotFound("订单不存在")
    return order


def order_actions(order: Order, user) -> list[str]:
    """Transitions the caller may fire from the current state (API `available_actions`). Conditions that
    are not met yet (the stamped letter before completion) are left to the page to explain, so listing
    orders costs no query per row."""
    return [t.name for t in order.get_all_state_transitions()
            if t.source in (order.state, "*") and t.has_perm(order, user)]


def order_timeline(order: Order) -> list[tuple]:
    events = [(order.signed_at, "签订合同、创建订单", f"合同金额 {order.amount} 元")]
    for document in documents_for(order).select_related("uploaded_by"):
        events.append((document.uploaded_at, f"上传{document.kind_label}", document.original_name))
    if order.completed_at:
        events.append((order.completed_at, "服务机构确认服务完成", order.completion_note))
    if order.rated_at:
        events.append((order.rated_at, f"满意度评价：{order.get_satisfaction_display()}", order.rating_comment))
    deduction = getattr(order, "deduction", None) if order.state == Order.State.DEDUCTED else None
    if deduction is not None:
        events.append((deduction.created_at, f"使用服务券抵扣 {deduction.amount} 元",
                       f"服务券 {deduction.voucher.number}，适用比例 {deduction.ratio:.0%}"))
    if order.cancelled_at:
        events.append((order.cancelled_at, "订单已取消", order.cancel_reason))
    return sorted(events, key=lambda event: event[0])


@dataclass
class DeductionCap:
    """The most a voucher may deduct from an order, and each limit behind it (for the order page)."""
    maximum: Decimal
    limits: list[tuple[str, Decimal]] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)


def deduction_cap(*, order: Order, voucher: Voucher | None = None, qualification=None, fund=None,
                  ratio: Decimal | None = None) -> DeductionCap:
    year = voucher.year if voucher else clock.current_year()
    if ratio is None:
        ratio = policy_for(year).deduction_ratio
    limits = [(f"订单实际金额 {order.amount} 元 × 抵扣比例 {ratio:.0%}（第八条）", share(order.amount, ratio))]
    blockers = []
    if voucher is not None:
        limits.append((f"服务券 {voucher.number} 余额", voucher.balance))
    if qualification is not None:
        limits.append((f"{qualification.year} 年度额度剩余（额度 {qualification.quota} 元，已使用 {qualification.used} 元）",
                       qualification.quota - qualification.used))
    if fund is not None:
        limits.append((f"{fund.year} 年度服务券资金可用余额", fund.available if fund.exhausted_at is None else ZERO))
    if order.provider_id is not None:
        headroom = provider_headroom(provider_id=order.provider_id, year=year)
        limits.append((f"服务机构 {year} 年度兑付上限剩余（第十二条：上限 {headroom.cap} 元，已抵扣 {headroom.deducted} 元）",
                       headroom.remaining))
    if qualification is not None and qualification.state == Qualification.State.SUSPENDED:
        blockers.append(f"年度资格暂停中（{qualification.state_reason}），服务券已冻结，恢复资格后方可抵扣")
    maximum = max(ZERO, min(amount for _, amount in limits))
    if order.state != Order.State.RATED:
        blockers.append("订单完成并评价后才能使用服务券抵扣" if order.state in (Order.State.SIGNED, Order.State.COMPLETED)
                        else f"订单状态为“{order.get_state_display()}”，不能抵扣")
    return DeductionCap(maximum=maximum, limits=limits, blockers=blockers)


@dataclass
class DeductionQuote:
    cap: DeductionCap
    vouchers: list  # [(voucher, its own maximum)]
    qualification: object | None
    fund: Fund | None


def deduction_quote(order: Order, user) -> DeductionQuote:
    """The maximum deductible amount and why: the ratio cap, the quota, the fund and each usable voucher."""
    year = clock.current_year()
    qualification = Qualification.objects.filter(organisation_id=order.buyer_id, year=year).first()
    fund = Fund.objects.filter(year=year).first()
    cap = deduction_cap(order=order, qualification=qualification, fund=fund)
    today = clock.today()
    vouchers = []
    if perms.is_buyer_of(order, user):
        usable = Voucher.objects.filter(organisation_id=order.buyer_id, state=Voucher.State.LIVE,
                                        category=order.category, expires_on__gte=today, year=year).order_by(
            "expires_on", "id")
        vouchers = [(v, min(cap.maximum, v.balance)) for v in usable]
        if not vouchers:
            cap.blockers.append(f"没有可用于“{order.get_category_display()}”类服务的有效服务券")
        else:
            best = max(amount for _, amount in vouchers)
            cap.limits.append(("可用服务券中余额最高者", max(v.balance for v, _ in vouchers)))
            cap.maximum = best
    if qualification is None or qualification.state != Qualification.State.ACTIVE:
        cap.blockers.append("年度资格无效（未认定、已暂停或已撤销）")
    if fund is not None and fund.exhausted_at is not None:
        cap.blockers.append(f"{year} 年度服务券资金已用尽")
    return DeductionQuote(cap=cap, vouchers=vouchers, qualification=qualification, fund=fund)
