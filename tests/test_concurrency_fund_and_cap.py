"""第四条 用完为止 and 第十二条 under real concurrency on PostgreSQL: deductions racing for the fund's last yuan, or
for a provider's last cap headroom — exactly one wins, the other is refused stating what is left (or that the fund
is spent), and neither the fund nor the cap is ever overdrawn."""
from decimal import Decimal

import pytest

from hangqifu.policy.models import PolicyYear
from vouchers.models import Deduction, Fund, ProviderServiceYear, Voucher
from vouchers.services.deductions import deduction_apply
from vouchers.services.ledger import ledger_verify
from vouchers.tests.money_factories import claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

from .test_concurrency_money import CAT, _run_all, june  # noqa: F401  (june is a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _racers(count: int, total: str):
    batch = open_batch(types=((CAT, "1000.00", 50),))
    Fund.objects.filter(year=2026).update(total=Decimal(total))
    provider = provider_user()
    work = []
    for _ in range(count):
        buyer = qualified_buyer(quota="5000.00")
        work.append((buyer, claimed_voucher(buyer, batch), order_in_state(buyer, provider, "rated", amount="2000.00")))
    return work


def _deduct_all(work, amount: str):
    return _run_all([lambda b=b, v=v, o=o: deduction_apply(actor=b, order_id=o.pk, voucher_id=v.pk, amount=amount,
                                                           declares_no_other_subsidy=True).pk for b, v, o in work])


@pytest.mark.parametrize("round_", range(3))
def test_two_deductions_racing_for_the_last_yuan_exactly_one_wins(june, round_):  # noqa: F811
    # given: 1.00 left in the fund, two holders each asking for it
    work = _racers(2, "1.00")
    # when
    results = _deduct_all(work, "1.00")
    # then: one deduction, the other refused because the fund is now spent; the year is closed. The loser is told
    # the fund is spent, or — when the winner's commit has already voided the year before the loser read its
    # voucher — that its voucher is void: the same refusal, seen one step later.
    assert sorted(status for status, _ in results) == ["error", "ok"], results
    [refusal] = [code for status, code in results if status == "error"]
    assert refusal in ("fund_exhausted", "voucher_expired"), refusal
    fund = Fund.objects.get(year=2026)
    assert (fund.deducted, fund.exhaustion_cause) == (Decimal("1.00"), "remainder_zero")
    assert Deduction.objects.count() == 1
    assert not Voucher.objects.filter(state="live").exists()
    assert ledger_verify().ok, ledger_verify().problems


def test_the_loser_of_a_race_for_part_of_the_remainder_is_told_what_is_left_and_can_take_it(june):  # noqa: F811
    # given: 1000.00 left, two holders asking 600.00 each
    work = _racers(2, "1000.00")
    # when
    results = _deduct_all(work, "600.00")
    # then: one wins; the other is refused with the remainder (400.00), the year stays open
    assert sorted(status for status, _ in results) == ["error", "ok"], results
    assert [code for status, code in results if status == "error"] == ["fund_remainder_exceeded"]
    fund = Fund.objects.get(year=2026)
    assert (fund.available, fund.exhausted_at) == (Decimal("400.00"), None)
    loser = next(w for w, (status, _) in zip(work, results) if status == "error")
    # and the loser deducts the remainder to the cent, which ends the year
    deduction_apply(actor=loser[0], order_id=loser[2].pk, voucher_id=loser[1].pk, amount="400.00",
                    declares_no_other_subsidy=True)
    fund.refresh_from_db()
    assert fund.deducted == fund.total and fund.exhausted_at is not None
    assert ledger_verify().ok, ledger_verify().problems


@pytest.mark.parametrize("round_", range(3))
def test_two_deductions_racing_for_the_providers_last_headroom_exactly_one_wins(june, round_):  # noqa: F811
    # given: the provider's 2026 cap is 1000.00 with 999.00 taken; two holders ask for the last 1.00
    PolicyYear.objects.filter(year=2026).update(provider_annual_cap=Decimal("1000.00"))
    work = _racers(3, "1000000.00")
    first, *racers = work
    deduction_apply(actor=first[0], order_id=first[2].pk, voucher_id=first[1].pk, amount="999.00",
                    declares_no_other_subsidy=True)
    # when
    results = _deduct_all(racers, "1.00")
    # then: one wins, the other is refused with the headroom; the counter equals Σ deductions = the cap
    assert sorted(status for status, _ in results) == ["error", "ok"], results
    assert [code for status, code in results if status == "error"] == ["provider_cap_exceeded"]
    counter = ProviderServiceYear.objects.get(year=2026)
    assert counter.deducted == counter.cap == Decimal("1000.00")
    assert sum(Deduction.objects.values_list("amount", flat=True)) == Decimal("1000.00")
    assert ledger_verify().ok, ledger_verify().problems
