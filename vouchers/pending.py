from django.db.models import Count, Q
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.pending import PendingItem, pending_work

from .models import Fund, IssuanceBatch, Order, Voucher

# --- funds, batches, vouchers and orders --------------------------------------------------------------

@pending_work(Role.ENTERPRISE, Role.PARK)
def my_orders_and_vouchers(user):
    from datetime import timedelta

    if not user.organisation_id:
        return []
    from django.db.models import Count, Min, Q

    base = reverse("vouchers:order-list")
    today = clock.today()
    S = Order.State
    orders = Order.objects.filter(buyer_id=user.organisation_id, state__in=[S.SIGNED, S.COMPLETED, S.RATED]).aggregate(
        signed=Count("pk", filter=Q(state=S.SIGNED)), signed_since=Min("signed_at", filter=Q(state=S.SIGNED)),
        completed=Count("pk", filter=Q(state=S.COMPLETED)),
        completed_since=Min("completed_at", filter=Q(state=S.COMPLETED)),
        rated=Count("pk", filter=Q(state=S.RATED)), rated_since=Min("rated_at", filter=Q(state=S.RATED)))
    expiring = Voucher.objects.filter(organisation_id=user.organisation_id, state=Voucher.State.LIVE,
                                      expires_on__gte=today, expires_on__lte=today + timedelta(days=30)).count()
    return [
        PendingItem("服务已完成、待您评价的订单", f"{base}?state=completed", orders["completed"],
                    next_step="打开订单，对服务作出满意度评价", since=orders["completed_since"]),
        PendingItem("已评价、可使用服务券抵扣的订单", f"{base}?state=rated", orders["rated"],
                    next_step="打开订单，选择服务券并核对抵扣金额", since=orders["rated_since"]),
        PendingItem("30 天内到期的服务券", reverse("vouchers:my-vouchers") + "?state=live", expiring,
                    next_step="到期未用即作废，请尽快签约下单使用"),
        PendingItem("已签约、等待服务机构确认服务完成的订单", f"{base}?state=signed", orders["signed"],
                    next_step="服务机构履约后在平台确认完成；请确保已上传盖章承诺书", since=orders["signed_since"],
                    waiting_on="other"),
    ]


@pending_work(Role.PROVIDER)
def incoming_orders(user):
    from django.db.models import Count, Min, Q

    if not user.organisation_id:
        return []
    S = Order.State
    base = reverse("vouchers:order-list")
    orders = Order.objects.filter(provider_id=user.organisation_id, state__in=[S.SIGNED, S.COMPLETED, S.RATED]).aggregate(
        signed=Count("pk", filter=Q(state=S.SIGNED)), signed_since=Min("signed_at", filter=Q(state=S.SIGNED)),
        completed=Count("pk", filter=Q(state=S.COMPLETED)),
        completed_since=Min("completed_at", filter=Q(state=S.COMPLETED)),
        rated=Count("pk", filter=Q(state=S.RATED)), rated_since=Min("rated_at", filter=Q(state=S.RATED)))
    return [
        PendingItem("已签约、待确认服务完成的订单", f"{base}?state=signed", orders["signed"],
                    next_step="按合同提供服务，上传服务记录并确认完成", since=orders["signed_since"]),
        PendingItem("已确认完成、等待购买方评价的订单", f"{base}?state=completed", orders["completed"],
                    next_step="购买方评价后方可抵扣", since=orders["completed_since"], waiting_on="other"),
        PendingItem("已评价、等待购买方使用服务券抵扣的订单", f"{base}?state=rated", orders["rated"],
                    next_step="抵扣后即可申请兑付", since=orders["rated_since"], waiting_on="other"),
    ]


@pending_work(Role.BUREAU)
def funds_and_batches(user):
    year = clock.current_year()
    return [
        PendingItem(f"{year} 年度服务券资金尚未设立", reverse("vouchers:fund-usage"),
                    0 if Fund.objects.filter(year=year).exists() else 1, next_step="设立年度资金总额后方可抵扣"),
        PendingItem("待发布的发放批次（草稿）", reverse("vouchers:batch-list"),
                    IssuanceBatch.objects.filter(state=IssuanceBatch.State.DRAFT).count(),
                    next_step="核对领取时间和券种后发布"),
    ]
