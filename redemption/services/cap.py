"""第十二条 provider annual cap: Σ approved redemptions of a provider in a year ≤ policy_for(year).provider_annual_cap.

The year is the service year — the year of the deductions the claim redeems, not the year it is approved: a
December service approved in January counts against December's year. A claim therefore covers orders of one
service year (`claim_years_mixed`). The binding limit is kept earlier, at each deduction (vouchers'
provider_cap.py counts Σ deductions per provider and service year); this counter is its twin for approvals.

The counter row (provider, year) moves only with a conditional UPDATE (`approved + amount <= cap`), and a CHECK
keeps `approved <= cap`, so two approvals racing for the last headroom cannot both succeed."""
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from hangqifu.core import clock
from hangqifu.core.errors import RuleViolation
from hangqifu.core.money import ZERO, fmt
from hangqifu.policy.services import policy_for
from vouchers.services.provider_cap import provider_headroom

from ..models import ProviderYearCap, RedemptionClaim

PENDING_STATES = (RedemptionClaim.State.SUBMITTED, RedemptionClaim.State.PRE_REVIEWED,
                  RedemptionClaim.State.RETURNED)


@dataclass(frozen=True)
class CapStatus:
    year: int
    cap: Decimal
    used: Decimal
    pending: Decimal
    deducted: Decimal = ZERO  # Σ deductions of the service year, the figure the deductions are held to

    @property
    def remaining(self) -> Decimal:
        return max(self.cap - self.used, ZERO)

    @property
    def used_percent(self) -> int:
        return min(100, int(self.used * 100 / self.cap)) if self.cap else 100


def cap_status(*, provider, year: int | None = None) -> CapStatus:
    """What the provider sees before filing: the year's cap, approved so far, and claims still under review."""
    year = year or clock.current_year()
    cap = policy_for(year).provider_annual_cap
    used = (ProviderYearCap.objects.filter(provider=provider, year=year).values_list("approved", flat=True).first()
            or ZERO)
    pending = (RedemptionClaim.objects.filter(provider=provider, state__in=PENDING_STATES)
               .aggregate(total=Sum("claimed_amount"))["total"] or ZERO)
    deducted = provider_headroom(provider_id=provider.pk, year=year).deducted
    return CapStatus(year=year, cap=cap, used=used, pending=pending, deducted=deducted)


def service_year_of(lines) -> int:
    """The one service year of a claim's lines (each line's deduction year)."""
    years = {line.deduction.year for line in lines}
    if len(years) != 1:
        raise RuleViolation("一份兑付申请只能包含同一服务年度（抵扣年度）的订单，请按年度分别申请"
                            f"（所选订单涉及 {'、'.join(str(y) for y in sorted(years))} 年度）",
                            code="claim_years_mixed", fields={"orders": ["订单的服务年度不一致"]})
    return years.pop()


def claim_service_year(claim) -> int:
    return service_year_of(list(claim.lines.select_related("deduction")))


def _refuse(provider, year: int, cap: Decimal, amount: Decimal):
    used = (ProviderYearCap.objects.filter(provider=provider, year=year).values_list("approved", flat=True).first()
            or ZERO)
    remaining = max(cap - used, ZERO)
    raise RuleViolation(
        f"超过服务机构年度兑付上限：{year} 年上限 {fmt(cap)} 元，已审批 {fmt(used)} 元，"
        f"剩余 {fmt(remaining)} 元，本次 {fmt(amount)} 元",
        code="provider_cap_exceeded",
        fields={"cap": [str(cap)], "used": [str(used)], "remaining": [str(remaining)]})


def cap_check(*, provider, year: int, amount: Decimal) -> None:
    """Advisory check when a claim is filed or submitted (the binding one is `cap_reserve` at approval)."""
    cap = policy_for(year).provider_annual_cap
    used = (ProviderYearCap.objects.filter(provider=provider, year=year).values_list("approved", flat=True).first()
            or ZERO)
    if used + amount > cap:
        _refuse(provider, year, cap, amount)


def cap_reserve(*, provider, year: int, amount: Decimal) -> None:
    """Count `amount` against the provider's year, or raise provider_cap_exceeded. Call inside the approving
    transaction: the row stays locked until it commits."""
    cap = policy_for(year).provider_annual_cap
    ProviderYearCap.objects.bulk_create([ProviderYearCap(provider=provider, year=year, cap=cap)],
                                        ignore_conflicts=True)
    updated = (ProviderYearCap.objects
               .filter(provider=provider, year=year, approved__lte=cap - amount)
               .update(approved=F("approved") + amount, cap=cap))
    if updated != 1:
        _refuse(provider, year, cap, amount)


def cap_release(*, provider, year: int, amount: Decimal) -> None:
    """Give headroom back when an approved claim is revoked (an objection upheld during its public notice)."""
    ProviderYearCap.objects.filter(provider=provider, year=year, approved__gte=amount).update(
        approved=F("approved") - amount)
