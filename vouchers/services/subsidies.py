"""第八条 不得重复享受, checked: a voucher deduction for a service another programme already funded is refused.

Our reading of "the same service": an award of the staff-imported lists (对标提升, 创新券, 数改券 …) to the buyer
(same credit code) for the order's year that names the same project — the award's project name equals the
order's product title once spaces, punctuation and full/half width are ignored — or the same provider (credit
code) with the same amount as the order. That is an exact match: the deduction is refused (`duplicate_subsidy`),
naming the award. A near match — same buyer and year, and a project name that contains or closely resembles the
product title (similarity ≥ NEAR_TITLE_RATIO), or the same provider, or the same amount — is not refused (names
differ between programmes) but raises a fraud signal for staff review (supervision.fraud rule `other_subsidy_near`)."""
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from hangqifu.core.errors import RuleViolation
from hangqifu.core.money import fmt

from ..models.subsidies import OtherSubsidyAward

NEAR_TITLE_RATIO = 0.6


def normalised(text: str) -> str:
    """Compare names as people mean them: NFKC (full-width → half-width), lower case, letters and digits only."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(frozen=True)
class SubsidyMatch:
    award: OtherSubsidyAward
    exact: bool
    reasons: tuple[str, ...]

    def describe(self) -> str:
        award = self.award
        return (f"{award.get_programme_display()} {award.year} 年“{award.project}”（支持 {fmt(award.amount)} 元"
                + (f"，服务机构 {award.provider_name}" if award.provider_name else "") + "）")


def _match(award: OtherSubsidyAward, *, title: str, amount, provider_code: str) -> SubsidyMatch | None:
    project, product = normalised(award.project), normalised(title)
    same_provider = bool(award.provider_credit_code) and award.provider_credit_code == provider_code
    if project and project == product:
        return SubsidyMatch(award, True, ("项目名称与服务产品相同",))
    if same_provider and award.amount == amount:
        return SubsidyMatch(award, True, ("同一服务机构、同一金额",))
    reasons = []
    if project and product and (project in product or product in project
                                or SequenceMatcher(None, project, product).ratio() >= NEAR_TITLE_RATIO):
        reasons.append(f"项目名称“{award.project}”与服务产品“{title}”相近")
    if same_provider:
        reasons.append(f"同一服务机构（{award.provider_name or award.provider_credit_code}）")
    if award.amount == amount:
        reasons.append(f"支持金额与订单金额相同（{fmt(amount)} 元）")
    return SubsidyMatch(award, False, tuple(reasons)) if reasons else None


def subsidy_matches(order) -> list[SubsidyMatch]:
    """Awards of other programmes to the order's buyer in the order's year that match it, exact ones first."""
    awards = OtherSubsidyAward.objects.filter(credit_code=order.buyer.credit_code or "", year=order.year)
    provider_code = order.provider.credit_code or ""
    found = [m for m in (_match(a, title=order.product_title, amount=order.amount, provider_code=provider_code)
                         for a in awards) if m is not None]
    return sorted(found, key=lambda m: not m.exact)


# Supervision turns a near match found at a deduction into a fraud signal (第八条 leads for review). The money app
# cannot import supervision, so supervision registers its listener here when it loads (supervision.apps).
_near_match_listeners = []


def on_near_match(listener):
    """Register `listener(*, order, near)`, called after a deduction's commit when near matches were found."""
    if listener not in _near_match_listeners:
        _near_match_listeners.append(listener)
    return listener


def near_matches_found(*, order, near) -> None:
    for listener in _near_match_listeners:
        listener(order=order, near=near)


def assert_no_double_subsidy(*, order) -> list[SubsidyMatch]:
    """Refuse an exact match (`duplicate_subsidy`); return the near matches for the fraud signal."""
    matches = subsidy_matches(order)
    exact = [m for m in matches if m.exact]
    if exact:
        raise RuleViolation(
            f"该订单的服务已享受{exact[0].describe()}，不得再使用服务券抵扣（第八条，不得重复享受）。"
            "如认为有误，请联系市工信服务中心核实",
            code="duplicate_subsidy", fields={"order": [m.describe() for m in exact]})
    return matches
