"""Check 1 (short, in the suite): a seeded random walk of the money flow through the real services on
PostgreSQL, with every invariant I1–I7 (reliability/invariants.py) checked after each step. `make reliability`
runs the long version (many seeds, many steps)."""
import pytest

from reliability.invariants import Violation, check_invariants, check_names
from reliability.money_model import MoneyModel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("seed", [11, 2026])
def test_random_money_flow_keeps_every_invariant(seed):
    # given a small world where the fund, batch slots and provider cap can all be reached
    model = MoneyModel(seed)
    # when 120 random actions run through the services
    result = model.run(120)
    # then nothing unexpected happened and I1–I7 held after every step
    assert result.errors == [], result.errors[0]
    assert result.violations == []
    assert result.steps == 120 and result.checks == 120
    # and the walk really moved money (not a run of refusals)
    assert result.outcomes["claim:ok"] > 0 and result.outcomes["deduct:ok"] > 0, result.outcomes


def _violations_behind_the_services(*statements: str) -> list[Violation]:
    """What the checks report once `statements` have written behind the services' back, inside a transaction
    that is rolled back afterwards (PostgreSQL would refuse to commit it: vouchers 0007)."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        found = check_invariants()
        transaction.set_rollback(True)
    return found


def test_invariant_checks_see_a_broken_counter():
    """The checks are not vacuous: a counter moved behind the services' back is reported."""
    model = MoneyModel(5)
    model.run(40)
    assert check_invariants() == []
    found = _violations_behind_the_services("UPDATE vouchers_fund SET deducted = deducted + 1 WHERE year = 2026")
    assert {(v.invariant, v.check) for v in found} >= {("I1", "fund_deductions_exceed_total_or_counter")}
    assert all(isinstance(v, Violation) for v in found)
    assert len(check_names()) >= 30


def test_the_eligibility_checks_see_a_listed_a_frozen_and_an_out_of_period_act():
    """E6, E11 and E22 are not vacuous: a list entry, a suspension and a period written behind the services'
    back around an existing deduction are each reported."""
    from datetime import timedelta

    from django.db import transaction

    from hangqifu.audit.services import audit_record
    from hangqifu.policy.models import PolicyYear
    from registration.models import CreditListEntry
    from vouchers.models import Deduction

    model = MoneyModel(7)
    model.run(80)
    assert check_invariants() == []
    deduction = Deduction.objects.select_related("organisation", "qualification").order_by("id").first()
    assert deduction is not None
    day = deduction.created_at.date()
    with transaction.atomic():
        CreditListEntry.objects.create(list_kind="severe_dishonesty", credit_code=deduction.organisation.credit_code,
                                       listed_on=day - timedelta(days=1),
                                       imported_at=deduction.created_at - timedelta(days=1))
        audit_record(action="qualification.suspend", obj=deduction.qualification)  # business time: now
        from hangqifu.core import clock

        clock.set_test_clock(deduction.created_at - timedelta(hours=1), frozen=True)
        audit_record(action="qualification.suspend", obj=deduction.qualification)
        PolicyYear.objects.update(policy_valid_from=day + timedelta(days=1))
        found = {(v.invariant, v.check) for v in check_invariants()}
        transaction.set_rollback(True)
    assert {("E6", "act_by_a_listed_party"), ("E11", "claim_or_deduction_while_suspended"),
            ("E22", "act_outside_the_policy_period")} <= found


def test_deductions_aimed_at_the_funds_remainder_are_refused_over_it_and_end_the_year_at_it():
    # given a small fund the walk reaches
    from vouchers.models import Fund

    model = MoneyModel(7, fund_total="3000.00")
    # when
    result = model.run(160)
    # then: no violation (each aimed deduction is checked on the spot against the remainder read before it),
    # requests one cent over the remainder were refused, and the fund ended only when spent to the cent
    assert result.errors == [], result.errors[0]
    assert result.violations == []
    outcomes = {key: n for key, n in result.outcomes.items() if key.startswith("deduct")}
    over = sum(n for key, n in outcomes.items() if key.endswith(":fund_remainder_exceeded"))
    assert over + outcomes.get("deduct_remainder:last_cent", 0) > 0, outcomes
    assert outcomes.get("deduct_remainder:last_cent", 0) <= 1, outcomes
    fund = Fund.objects.get(year=2026)
    assert (fund.exhausted_at is not None) == (fund.deducted == fund.total), (fund.total, fund.deducted)


def test_the_new_invariants_see_a_year_ended_with_money_left_and_a_provider_counter_off():
    model = MoneyModel(5)
    model.run(40)
    assert check_invariants() == []
    found = {(v.invariant, v.check) for v in _violations_behind_the_services(
        "UPDATE vouchers_fund SET exhausted_at = now(), exhaustion_cause = 'remainder_zero' WHERE year = 2026",
        "INSERT INTO vouchers_providerserviceyear (provider_id, year, cap, deducted) "
        "SELECT id, 2031, 100, 1 FROM accounts_organisation LIMIT 1")}
    assert {("I1", "fund_ended_with_money_left_undeclared"), ("I4", "provider_service_counter_disagrees")} <= found
