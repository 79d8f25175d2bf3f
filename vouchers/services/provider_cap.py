"""第十二条 before the money moves: a deduction may not take its provider past the year's cap.

Our reading: the cap counts by service year — the year of the deduction (which is the order's and the voucher's
year) — so a December service approved in January counts against December's year. What counts is everything the
provider can still be repaid for that year: approved, under review and deducted but not yet claimed, i.e. Σ its
deductions of the year. A deduction that would pass the cap is refused (`provider_cap_exceeded`) with the
headroom stated (the buyer may deduct up to it); an order with a provider whose year is full is refused before
the buyer signs. The counter moves with one conditional UPDATE under CHECK `deducted ≤ cap`, so two deductions
racing for the last headroom cannot both pass."""
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F

from hangqifu.core.errors import RuleViolation
from hangqifu.core.money import fmt
from hangqifu.policy.services import policy_for

from ..models.provider_cap import ProviderServiceYear

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ProviderHeadroom:
    year: int
    cap: Decimal
    deducted: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.cap - self.deducted, ZERO)


def provider_headroom(*, provider_id: int, year: int, cap: Decimal | None = None) -> ProviderHeadroom:
    """The provider's year as committed now; `cap`: the year's cap when the caller has read the policy already."""
    cap = policy_for(year).provider_annual_cap if cap is None else cap
    deducted = (ProviderServiceYear.objects.filter(provider_id=provider_id, year=year)
                .values_list("deducted", flat=True).first() or ZERO)
    return ProviderHeadroom(year=year, cap=cap, deducted=deducted)


def _refusal(headroom: ProviderHeadroom, provider_name: str, amount: Decimal | None) -> RuleViolation:
    asked = f"，本次申请抵扣 {fmt(amount)} 元" if amount is not None else ""
    most = (f"本次最多可抵扣 {fmt(headroom.remaining)} 元" if headroom.remaining > 0
            else "该机构本年度已不能再使用服务券，请选择其他服务机构")
    return RuleViolation(
        f"超过服务机构 {provider_name} {headroom.year} 年度兑付上限（第十二条）：上限 {fmt(headroom.cap)} 元，"
        f"已抵扣 {fmt(headroom.deducted)} 元（含已审批、审核中和尚未申请兑付的金额），剩余 {fmt(headroom.remaining)} 元"
        f"{asked}。{most}",
        code="provider_cap_exceeded",
        fields={"amount": [f"最多 {fmt(headroom.remaining)} 元"], "cap": [f"{headroom.cap:.2f}"],
                "used": [f"{headroom.deducted:.2f}"], "remaining": [f"{headroom.remaining:.2f}"]})


def assert_provider_headroom(*, provider, year: int, amount: Decimal, cap: Decimal | None = None) -> None:
    """The rule read without locks (the deduction's check and the page before confirming)."""
    headroom = provider_headroom(provider_id=provider.pk, year=year, cap=cap)
    if amount > headroom.remaining:
        raise _refusal(headroom, provider.name, amount)


def assert_provider_open_for_orders(*, provider, year: int) -> None:
    """An order with a provider whose year is already full could never take a voucher: refused before signing."""
    headroom = provider_headroom(provider_id=provider.pk, year=year)
    if headroom.remaining <= 0:
        raise _refusal(headroom, provider.name, None)


def provider_cap_charge(*, provider, year: int, amount: Decimal, cap: Decimal | None = None) -> None:
    """Count `amount` against the provider's service year inside the deduction's transaction, or refuse
    (`cap`: the year's cap when the deduction has read the policy already, as it has)."""
    cap = policy_for(year).provider_annual_cap if cap is None else cap
    rows = ProviderServiceYear.objects.filter(provider_id=provider.pk, year=year, deducted__lte=cap - amount)
    if rows.update(deducted=F("deducted") + amount, cap=cap):
        return
    ProviderServiceYear.objects.bulk_create([ProviderServiceYear(provider_id=provider.pk, year=year, cap=cap)],
                                            ignore_conflicts=True)  # the provider's first deduction of the year
    if not rows.update(deducted=F("deducted") + amount, cap=cap):
        raise _refusal(provider_headroom(provider_id=provider.pk, year=year, cap=cap), provider.name, amount)
