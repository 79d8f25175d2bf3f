from django.db.models import Count, Q
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.pending import PendingItem, pending_work


# --- registration and qualification (issue 4) ---------------------------------------------------------

@pending_work(Role.SERVICE_CENTER)
def registrations_to_review(user):
    from .models import ChangeReport, RegistrationApplication
    from .selectors.registration import overdue_registrations

    base = reverse("admin:vouchers_registrationapplication_changelist")
    State = RegistrationApplication.State
    counts = {state: RegistrationApplication.objects.filter(state=state).count()
              for state in (State.SUBMITTED, State.PRE_REVIEWED)}
    reports = reverse("admin:vouchers_changereport_changelist")
    report_counts = ChangeReport.objects.filter(state=ChangeReport.State.SUBMITTED).aggregate(
        all=Count("pk"), late=Count("pk", filter=Q(is_late=True)), held=Count("pk", filter=Q(suspended_qualification=True)))
    return [
        PendingItem("待形式预审的注册认定申请", f"{base}?state__exact=submitted", counts[State.SUBMITTED]),
        PendingItem("预审通过、待认定的申请", f"{base}?state__exact=pre_reviewed", counts[State.PRE_REVIEWED]),
        PendingItem("超过审核期限的申请", f"{base}?overdue=yes", overdue_registrations().count()),
        PendingItem("待核查的变更报告", f"{reports}?state__exact=submitted", report_counts["all"]),
        # 第九条 tasks: a late report (rights may be cancelled) and a report that suspended a qualification
        PendingItem("逾期报告的变更：待决定是否取消资格", f"{reports}?state__exact=submitted&is_late__exact=1",
                    report_counts["late"]),
        PendingItem("因变更报告暂停的资格：待核查决定",
                    f"{reports}?state__exact=submitted&suspended_qualification__exact=1", report_counts["held"]),
    ]


@pending_work(Role.ENTERPRISE, Role.PARK)
def my_registration(user):
    from .models import RegistrationApplication

    if not user.organisation_id:
        return []
    State = RegistrationApplication.State
    rows = RegistrationApplication.objects.filter(organisation_id=user.organisation_id,
                                                  state__in=[State.DRAFT, State.RETURNED],
                                                  year__gte=clock.current_year())
    return [PendingItem(f"{r.year} 年度{r.get_purpose_display()}：{r.get_state_display()}，待完成",
                        reverse("vouchers:registration-detail", args=[r.pk]), 1) for r in rows]


# --- funds, batches, vouchers and orders (issue 6) -----------------------------------------------------

@pending_work(Role.ENTERPRISE, Role.PARK)
def my_orders_and_vouchers(user):
    from datetime import timedelta

    from .models import Order, Voucher

    if not user.organisation_id:
        return []
    orders = Order.objects.filter(buyer_id=user.organisation_id)
    base = reverse("vouchers:order-list")
    today = clock.today()
    expiring = Voucher.objects.filter(organisation_id=user.organisation_id, state=Voucher.State.LIVE,
                                      expires_on__gte=today, expires_on__lte=today + timedelta(days=30)).count()
    return [
        PendingItem("服务已完成、待您评价的订单", f"{base}?state=completed",
                    orders.filter(state=Order.State.COMPLETED).count()),
        PendingItem("已评价、可使用服务券抵扣的订单", f"{base}?state=rated", orders.filter(state=Order.State.RATED).count()),
        PendingItem("30 天内到期的服务券", reverse("vouchers:my-vouchers") + "?state=live", expiring),
    ]


@pending_work(Role.PROVIDER)
def incoming_orders(user):
    from .models import Order

    if not user.organisation_id:
        return []
    count = Order.objects.filter(provider_id=user.organisation_id, state=Order.State.SIGNED).count()
    return [PendingItem("已签约、待确认服务完成的订单", reverse("vouchers:order-list") + "?state=signed", count)]


@pending_work(Role.BUREAU)
def funds_and_batches(user):
    from .models import Fund, IssuanceBatch

    year = clock.current_year()
    return [
        PendingItem(f"{year} 年度服务券资金尚未设立", reverse("vouchers:fund-usage"),
                    0 if Fund.objects.filter(year=year).exists() else 1),
        PendingItem("待发布的发放批次（草稿）", reverse("vouchers:batch-list"),
                    IssuanceBatch.objects.filter(state=IssuanceBatch.State.DRAFT).count()),
    ]
