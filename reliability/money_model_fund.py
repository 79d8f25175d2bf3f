"""The money model's deductions aimed at the fund's remainder (第四条 用完为止): one cent over what the fund has
left (must be refused, stating the remainder), exactly the remainder (must go through and end the year) or one
cent under. The outcome is checked on the spot against the remainder read just before; the SQL invariants
(`fund_ended_with_money_left_undeclared`, `fund_spent_but_year_open`) check the year's end after every step."""
from decimal import Decimal

CENT = Decimal("0.01")
FUND_CODES = ("fund_remainder_exceeded", "fund_exhausted")


class FundRemainderActions:
    def _remainder_candidate(self):
        from hangqifu.core.money import share
        from registration.models import Qualification
        from vouchers.models import Voucher

        rated = self._orders("rated")
        voucher = self._pick(Voucher.objects.filter(state="live", organisation_id__in=rated.values("buyer_id")))
        order = voucher and self._pick(rated.filter(buyer_id=voucher.organisation_id, category=voucher.category))
        if not order:
            return None
        qualification = Qualification.objects.get(pk=voucher.qualification_id)
        other_limits = min(share(order.amount, Decimal("0.5")), voucher.balance, qualification.quota - qualification.used)
        return order, voucher, other_limits

    def deduct_remainder(self):
        from hangqifu.core.errors import DomainError
        from vouchers.models import Fund
        from vouchers.services.deductions import deduction_apply

        candidate = self._remainder_candidate()
        fund = Fund.objects.filter(year=2026).first()
        if not candidate or fund is None or fund.exhausted_at is not None:
            return "skip"
        order, voucher, other_limits = candidate
        remainder = fund.total - fund.deducted
        amount = self.rng.choice([remainder + CENT, remainder, remainder - CENT])
        if amount <= 0 or (amount <= remainder and amount > other_limits):
            amount = min(other_limits, remainder) if self.rng.random() < 0.5 else remainder + CENT
        if amount <= 0:
            return "skip"
        try:
            deduction_apply(actor=order.buyer_user, order_id=order.pk, voucher_id=voucher.pk, amount=str(amount),
                            declares_no_other_subsidy=True)
        except DomainError as exc:
            if amount <= remainder and exc.code in FUND_CODES:
                self.result.violations.append(f"step {self.result.steps}: {amount} ≤ remainder {remainder} refused "
                                              f"as {exc.code}")
            if amount > remainder and amount <= other_limits and exc.code == "fund_exhausted":
                self.result.violations.append(f"step {self.result.steps}: one request over the remainder "
                                              f"{remainder} was answered as an exhausted fund")
            return exc.code if exc.code in FUND_CODES else "refused"
        if amount > remainder:
            self.result.violations.append(f"step {self.result.steps}: {amount} accepted over remainder {remainder}")
        fund.refresh_from_db()
        if amount == remainder and fund.exhausted_at is None:
            self.result.violations.append(f"step {self.result.steps}: the last cent spent but the year is open")
        return "last_cent" if amount == remainder else "ok"
