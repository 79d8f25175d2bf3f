from django.db.models import Count, Q
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.pending import PendingItem, pending_work

from .models import ChangeReport, Fund, IssuanceBatch, Order, RegistrationApplication, Voucher
from .selectors.registration import WAITING_STATES

# --- registration and qualification ------------------------------------------------------------------

@pending_work(Role.SERVICE_CENTER)
def registrations_to_review(user):
    from django.db.models import Count, Min, Q

    base = reverse("admin:vouchers_registrationapplication_changelist")
    State = RegistrationApplication.State
    today = clock.today()

    def waiting(state):
        return Q(state=state)

    figures = RegistrationApplication.objects.filter(state__in=[State.SUBMITTED, State.PRE_REVIEWED]).aggregate(
        submitted=Count("pk", filter=waiting(State.SUBMITTED)),
        submitted_since=Min("submitted_at", filter=waiting(State.SUBMITTED)),
        submitted_overdue=Count("pk", filter=waiting(State.SUBMITTED) & Q(review_due_on__lt=today)),
        pre_reviewed=Count("pk", filter=waiting(State.PRE_REVIEWED)),
        pre_reviewed_since=Min("pre_reviewed_at", filter=waiting(State.PRE_REVIEWED)),
        pre_reviewed_overdue=Count("pk", filter=waiting(State.PRE_REVIEWED) & Q(review_due_on__lt=today)))
    overdue = RegistrationApplication.objects.filter(state__in=WAITING_STATES, review_due_on__lt=today).count()
    reports_url = reverse("admin:vouchers_changereport_changelist")
    reports = ChangeReport.objects.filter(state=ChangeReport.State.SUBMITTED).aggregate(
        count=Count("pk"), since=Min("reported_on"), late=Count("pk", filter=Q(is_late=True)),
        held=Count("pk", filter=Q(suspended_qualification=True)))
    return [
        PendingItem("待形式预审的注册认定申请", f"{base}?state__exact=submitted", figures["submitted"],
                    next_step="核对材料和预审清单，通过或退回补正", since=figures["submitted_since"],
                    overdue=figures["submitted_overdue"]),
        PendingItem("预审通过、待认定的申请", f"{base}?state__exact=pre_reviewed", figures["pre_reviewed"],
                    next_step="确认荣誉称号，认定资格并核定额度", since=figures["pre_reviewed_since"],
                    overdue=figures["pre_reviewed_overdue"]),
        PendingItem("超过审核期限的申请", f"{base}?overdue=yes", overdue,
                    next_step="优先办理，已超过审核期限", overdue=overdue),
        PendingItem("待核查的变更报告", f"{reports_url}?state__exact=submitted", reports["count"],
                    next_step="核查变化情况，必要时暂停资格", since=reports["since"]),
        # 第九条: a late report (rights may be cancelled) and a report that suspended a qualification
        PendingItem("逾期报告的变更：待决定是否取消资格", f"{reports_url}?state__exact=submitted&is_late__exact=1",
                    reports["late"], next_step="核查逾期原因，决定保留或取消用券资格"),
        PendingItem("因变更报告暂停的资格：待核查决定",
                    f"{reports_url}?state__exact=submitted&suspended_qualification__exact=1", reports["held"],
                    next_step="核查变化后恢复或撤销资格（暂停期间服务券冻结）"),
    ]


@pending_work(Role.ENTERPRISE, Role.PARK)
def my_registration(user):
    if not user.organisation_id:
        return []
    State = RegistrationApplication.State
    rows = RegistrationApplication.objects.filter(organisation_id=user.organisation_id,
                                                  state__in=[State.DRAFT, State.RETURNED],
                                                  year__gte=clock.current_year())
    return [PendingItem(f"{r.matter}：{r.get_state_display()}，待完成",
                        reverse("vouchers:registration-detail", args=[r.pk]), 1,
                        next_step="按退回意见修改后重新提交" if r.state == State.RETURNED else "补全信息和材料后提交") for r in rows]


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
