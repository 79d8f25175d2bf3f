"""Home cards of enterprises and parks: the year's quota (the same 还可领取 as every other page), the vouchers
in hand with the earliest expiry, and the open or next issuance batch with its countdown. Three queries."""
from django.db.models import Count, Min, Sum
from django.urls import reverse
from django.utils import timezone

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.home import HomeCard, home_cards
from hangqifu.core.money import fmt
from registration.selectors.quota import qualification_of

from .models.funds import IssuanceBatch
from .models.vouchers import Voucher


def _yuan(amount) -> str:
    return f"¥{fmt(amount or 0)}"


@home_cards(Role.ENTERPRISE, Role.PARK, order=10)
def quota_and_vouchers(user):
    if not user.organisation_id:
        return []
    year = clock.current_year()
    qualification = qualification_of(organisation_id=user.organisation_id, year=year)
    if qualification is None:
        quota = HomeCard(f"{year} 年度服务券资格", note=f"尚未取得 {year} 年度资格，认定后方可领券。",
                         action=("申请或查看注册认定", reverse("registration:my-registrations")), testid="card-quota",
                         tone="warn")
    else:
        active = qualification.state == qualification.State.ACTIVE
        quota = HomeCard(
            f"{year} 年度额度", testid="card-quota", tone="" if active else "bad",
            figures=[("年度额度", _yuan(qualification.quota)), ("已使用", _yuan(qualification.used)),
                     ("已领未用", _yuan(qualification.reserved)), ("还可领取", _yuan(qualification.headroom))],
            note="" if active else f"资格{qualification.get_state_display()}：{qualification.state_reason or '不能领券、用券'}",
            action=("去领券", reverse("vouchers:batch-list")) if active and qualification.headroom > 0 else
            ("我的资格与额度", reverse("registration:my-qualification")))
    live = Voucher.objects.filter(organisation_id=user.organisation_id, state=Voucher.State.LIVE).aggregate(
        count=Count("pk"), balance=Sum("balance"), first_expiry=Min("expires_on"))
    figures = [("可用服务券", f"{live['count']} 张"), ("余额合计", _yuan(live["balance"]))]
    if live["first_expiry"]:
        days = (live["first_expiry"] - clock.today()).days
        figures.append(("最早到期", f"{live['first_expiry']:%Y-%m-%d}（还剩 {days} 天）"))
    vouchers = HomeCard("手中的服务券", figures=figures, testid="card-vouchers",
                        note="到期未用的服务券作废，不结转下一年度。" if live["count"] else "",
                        action=("签约下单使用服务券", reverse("providers:catalogue")) if live["count"] else
                        ("我的服务券", reverse("vouchers:my-vouchers")))
    return [quota, vouchers, *_batch_card()]


def _batch_card() -> list[HomeCard]:
    now = clock.now()
    batch = (IssuanceBatch.objects.filter(state=IssuanceBatch.State.OPEN, closes_at__gt=now)
             .annotate(left=Sum("voucher_types__remaining")).order_by("opens_at").first())
    if batch is None:
        return [HomeCard("领券批次", note="暂无开放或即将开放的发放批次，开放前会在此倒计时。", testid="card-batch",
                         action=("查看发放批次", reverse("vouchers:batch-list")))]
    opening = batch.opens_at > now
    return [HomeCard(
        batch.title, testid="card-batch",
        figures=[("领取时间", f"{timezone.localtime(batch.opens_at):%m-%d %H:%M} 至 "
                              f"{timezone.localtime(batch.closes_at):%m-%d %H:%M}"),
                 ("剩余", f"{batch.left or 0} 张")],
        countdown_to=batch.opens_at if opening else batch.closes_at,
        countdown_label="距开始领取" if opening else "距领取截止",
        countdown_done="已开始，请进入领券" if opening else "已截止",
        action=("进入领券" if not opening else "查看批次，到点自动可领", batch_url(batch)))]


def batch_url(batch) -> str:
    return reverse("vouchers:batch-detail", args=[batch.pk])
