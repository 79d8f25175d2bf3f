"""用完为止 (第四条): what the year's fund has left decides every deduction.

Our reading of "总额控制、用完为止 … 资金总额不足时自动作废": a deduction larger than the remainder is refused,
stating the remainder (`fund_remainder_exceeded`); the buyer may deduct up to it, to the cent. The year's unused
vouchers are voided only when the remainder reaches zero — the deduction that spends the last cent marks the
fund exhausted in the same UPDATE and queues the voiding — or when the bureau declares the fund insufficient
(two officials, vouchers/services/fund_declarations.py). One request larger than the remainder never ends the
year for everyone. A fund already exhausted refuses with `fund_exhausted`."""
from decimal import Decimal

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import RuleViolation
from hangqifu.core.money import fmt
from hangqifu.core.outbox import enqueue_after_commit

from ..models.funds import Fund
from ..statements import charge_fund
from ..tasks import void_year_after_fund_exhausted
from . import voucher_claim_cache

ZERO = Decimal("0.00")


class FundExhausted(RuleViolation):
    """The year's fund is spent (remainder zero) or declared insufficient: no deduction of that year any more."""
    code = "fund_exhausted"

    def __init__(self, year: int, detail: str | None = None):
        self.year = year
        super().__init__(detail or f"{year} 年度服务券资金已用完（用完为止），当年未使用的服务券已作废或即将作废")


class FundRemainderExceeded(RuleViolation):
    """The amount is more than the year's fund has left; the remainder itself is still deductible."""
    code = "fund_remainder_exceeded"

    def __init__(self, year: int, remainder: Decimal, amount: Decimal):
        self.year, self.remainder = year, remainder
        super().__init__(
            f"超出 {year} 年度服务券资金余额：资金余额 {fmt(remainder)} 元，本次申请抵扣 {fmt(amount)} 元。"
            f"本次最多可抵扣 {fmt(remainder)} 元（总额控制、用完为止）",
            fields={"amount": [f"最多 {fmt(remainder)} 元"], "remainder": [f"{remainder:.2f}"]})


def fund_remainder(fund: Fund | None) -> Decimal:
    """What the fund still pays: zero once it is exhausted (or when the year has no fund)."""
    if fund is None or fund.exhausted_at is not None:
        return ZERO
    return max(fund.total - fund.deducted, ZERO)


def assert_fund_covers(*, fund: Fund | None, year: int, amount: Decimal) -> None:
    """The rule, read from a fund row (the deduction re-checks it in its conditional UPDATE)."""
    remainder = fund_remainder(fund)
    if remainder <= 0:
        raise FundExhausted(year)
    if amount > remainder:
        raise FundRemainderExceeded(year, remainder, amount)


def fund_charge(*, fund: Fund, amount: Decimal, actor, now) -> Decimal:
    """Charge the fund in one conditional UPDATE and return what it has left. The deduction that leaves exactly
    zero marks the fund exhausted in the same statement (claims stop at once) and queues the voiding of the
    year's unused vouchers through the outbox; one that no longer fits (a concurrent deduction took the
    remainder since the check) raises with the remainder of now, and the caller's transaction rolls back."""
    remainder = charge_fund(fund_id=fund.pk, amount=amount, now=now)
    if remainder is None:
        current = Fund.objects.filter(pk=fund.pk).first()
        assert_fund_covers(fund=current, year=fund.year, amount=amount)
        raise FundExhausted(fund.year)  # unreachable unless the row changed again between the two reads
    if remainder == 0:
        _record_spent(fund=fund, actor=actor, now=now)
    return remainder


def _record_spent(*, fund: Fund, actor, now) -> None:
    fund.deducted, fund.exhausted_at, fund.exhaustion_cause = fund.total, now, Fund.ExhaustionCause.REMAINDER_ZERO
    voucher_claim_cache.catalogue_changed()  # the charge's UPDATE saved no model: claims must stop reading an open fund
    audit_record(actor=actor, action="fund.exhausted", obj=fund,
                 payload={"year": fund.year, "total": fund.total, "deducted": fund.total,
                          "cause": Fund.ExhaustionCause.REMAINDER_ZERO})
    fund_exhaustion_schedule(year=fund.year)


def fund_exhaustion_schedule(*, year: int) -> None:
    """Enqueue the idempotent voiding of the year's unused vouchers once the current transaction commits. The
    voiding itself (`fund_exhaust`) acts only on a fund that is spent or declared insufficient."""

    enqueue_after_commit(void_year_after_fund_exhausted, year)  # survives a broker outage (transactional outbox)
