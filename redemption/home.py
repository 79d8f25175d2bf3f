"""Home cards of a provider: this year's redeemed amount against the 第十二条 cap, and its claims by state
(four queries: the policy year, the cap row, the amount under review, the states)."""
from django.db.models import Count
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.home import HomeCard, home_cards
from hangqifu.core.money import fmt

from . import permissions as perms
from .models import RedemptionClaim
from .services.cap import cap_status


@home_cards(Role.PROVIDER, order=30)
def redemption_cards(user):
    if not perms.is_provider(user):
        return []
    cap = cap_status(provider=user.organisation)
    cap_card = HomeCard(
        f"{cap.year} 年度兑付额度", testid="card-cap",
        figures=[("已审批兑付", f"¥{fmt(cap.used)}"), ("年度上限", f"¥{fmt(cap.cap)}"),
                 ("剩余可兑付", f"¥{fmt(cap.remaining)}"), ("审核中", f"¥{fmt(cap.pending)}")],
        note=f"已使用 {cap.used_percent}%（第十二条：每家年度兑付不超过上限）",
        action=("申请兑付", reverse("redemption:claim-new")))
    labels = dict(RedemptionClaim.State.choices)
    by_state = (RedemptionClaim.objects.filter(provider_id=user.organisation_id).values("state")
                .annotate(n=Count("pk")).order_by("state"))
    figures = [(labels.get(row["state"], row["state"]), f"{row['n']} 份") for row in by_state]
    claims_card = HomeCard("我的兑付申请", figures=figures or [("兑付申请", "0 份")], testid="card-claims",
                           action=("查看兑付申请", reverse("redemption:claim-list")))
    return [cap_card, claims_card]
