"""Check 3: the database, not only Python, holds every money line. Each raw SQL statement below would break an
invariant behind the services' back; PostgreSQL refuses it with an IntegrityError (CHECK, UNIQUE or the
append-only triggers, the deduction guard at COMMIT), and the row is unchanged afterwards."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from reliability.figures import record
from reliability.invariants import check_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def world(set_clock):
    """A voucher claimed and partly deducted on a rated order, an approved redemption claim, one payment line."""
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import UserFactory
    from hangqifu.policy.models import PolicyYear
    from redemption.models import DisbursementOrder, DistrictPayment, SettlementBatch
    from redemption.tests import factories as rf
    from vouchers.services.deductions import deduction_apply
    from vouchers.tests import money_factories as mf

    set_clock("2026-06-01T09:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2026)
    buyer, provider = mf.qualified_buyer(quota="5000.00"), mf.provider_user()
    batch = mf.open_batch(types=(("digital_empowerment", "1000.00", 3),))
    voucher = mf.claimed_voucher(buyer, batch)
    order = mf.order_in_state(buyer, provider, "rated", amount="1000.00")
    deduction = deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount="300.00",
                                declares_no_other_subsidy=True)
    from vouchers.models import Order

    claim = rf.approved_claim(provider, [Order.objects.get(pk=order.pk)])
    other_order = mf.order_in_state(buyer, provider, "signed", amount="500.00")
    redeeming = provider
    center = UserFactory(role=Role.SERVICE_CENTER)
    settlement = SettlementBatch.objects.create(year=2026, sequence=1, period_start=date(2026, 1, 1),
                                                period_end=date(2026, 6, 30), created_by=center,
                                                created_at=claim.approved_at)
    disbursement = DisbursementOrder.objects.create(batch=settlement, district=redeeming.organisation.district, year=2026, sequence=1,
                                                    total=Decimal("300.00"), provider_count=1, claim_count=1,
                                                    issued_at=claim.approved_at)
    payment = DistrictPayment.objects.create(batch=settlement, disbursement_order=disbursement,
                                             provider=redeeming.organisation, district=redeeming.organisation.district,
                                             amount=Decimal("300.00"), claim_count=1)
    from hangqifu.audit.models import AuditEvent
    from redemption.models import ProviderYearCap, RedemptionClaim
    from vouchers.models import LedgerEntry

    other_claim = RedemptionClaim.objects.create(provider=redeeming.organisation, created_by=redeeming,
                                                 created_at=claim.created_at)
    return {"other_claim": other_claim, "fund": voucher.batch.year, "voucher": voucher, "type": voucher.voucher_type, "order": order,
            "deduction": deduction, "qualification": voucher.qualification, "claim": claim,
            "line": claim.lines.get(), "other_order": other_order, "payment": payment,
            "cap": ProviderYearCap.objects.get(provider=redeeming.organisation, year=2026),
            "ledger": LedgerEntry.objects.filter(kind="claim").first(), "audit": AuditEvent.objects.first()}


# a second deduction of 100.00 from the world's voucher, on the other (signed) order, behind the services' back
RAW_DEDUCTION = (
    "INSERT INTO vouchers_deduction (order_id, voucher_id, organisation_id, qualification_id, fund_id, year, amount, "
    "order_amount, ratio, declares_no_other_subsidy, created_by_id, created_at) SELECT {other_order.pk}, voucher_id, "
    "organisation_id, qualification_id, fund_id, year, 100.00, 500.00, ratio, true, created_by_id, created_at "
    "FROM vouchers_deduction WHERE id = {deduction.pk}")
MOVE_FUND = "UPDATE vouchers_fund SET deducted = deducted + 100.00 WHERE year = {fund}"
MOVE_QUOTA = ("UPDATE vouchers_qualification SET used = used + 100.00, reserved = reserved - 100.00 "
              "WHERE id = {qualification.pk}")
MOVE_BALANCE = "UPDATE vouchers_voucher SET balance = balance - 100.00 WHERE id = {voucher.pk}"

# (invariant, what the statement tries, SQL with {placeholders} from the world; `;` separates statements run in
# one transaction, whose deferred checks then run as at COMMIT)
GUARDS = [
    ("I1", "fund over-deducted", "UPDATE vouchers_fund SET deducted = total + 0.01 WHERE year = {fund}"),
    ("I1", "fund counter negative", "UPDATE vouchers_fund SET deducted = -0.01 WHERE year = {fund}"),
    ("I1", "batch slots negative", "UPDATE vouchers_vouchertype SET remaining = -1 WHERE id = {type.pk}"),
    ("I1", "batch slots above the cap", "UPDATE vouchers_vouchertype SET remaining = count + 1 WHERE id = {type.pk}"),
    ("I2", "quota exceeded", "UPDATE vouchers_qualification SET used = quota + 0.01 WHERE id = {qualification.pk}"),
    ("I2", "claims beyond the quota headroom",
     "UPDATE vouchers_qualification SET reserved = quota - used + 0.01 WHERE id = {qualification.pk}"),
    ("I2", "voucher balance negative", "UPDATE vouchers_voucher SET balance = -0.01 WHERE id = {voucher.pk}"),
    ("I2", "voucher balance above face", "UPDATE vouchers_voucher SET balance = face_value + 0.01 "
                                         "WHERE id = {voucher.pk}"),
    ("I3", "deduction above the ratio", "UPDATE vouchers_deduction SET amount = order_amount * ratio + 0.01 "
                                        "WHERE id = {deduction.pk}"),
    ("I3", "deduction without the no-double-dipping declaration",
     "UPDATE vouchers_deduction SET declares_no_other_subsidy = false WHERE id = {deduction.pk}"),
    ("I3", "second deduction for an order",
     "INSERT INTO vouchers_deduction (order_id, voucher_id, organisation_id, qualification_id, fund_id, year, amount, "
     "order_amount, ratio, declares_no_other_subsidy, created_by_id, created_at) SELECT order_id, voucher_id, "
     "organisation_id, qualification_id, fund_id, year, 1.00, order_amount, ratio, true, created_by_id, created_at "
     "FROM vouchers_deduction WHERE id = {deduction.pk}"),
    # a deduction row without the counter movements of the same transaction (vouchers 0005 guard, at COMMIT)
    ("I1", "deduction inserted without moving any counter", RAW_DEDUCTION),
    ("I1", "deduction inserted with the quota and the balance moved but not the fund",
     f"{MOVE_QUOTA}; {MOVE_BALANCE}; {RAW_DEDUCTION}"),
    ("I1", "deduction inserted with the fund moved by less than its amount",
     f"UPDATE vouchers_fund SET deducted = deducted + 99.99 WHERE year = {{fund}}; {MOVE_QUOTA}; {MOVE_BALANCE}; "
     f"{RAW_DEDUCTION}"),
    ("I2", "deduction inserted with the fund and the balance moved but not the quota",
     f"{MOVE_FUND}; {MOVE_BALANCE}; {RAW_DEDUCTION}"),
    ("I2", "deduction inserted with the fund and the quota moved but not the voucher balance",
     f"{MOVE_FUND}; {MOVE_QUOTA}; {RAW_DEDUCTION}"),
    ("I1", "deduction amount lowered without the counters",
     "UPDATE vouchers_deduction SET amount = amount - 0.01 WHERE id = {deduction.pk}"),
    ("I2", "deduction amount raised with the fund moved but not the quota and balance",
     "UPDATE vouchers_fund SET deducted = deducted + 0.01 WHERE year = {fund}; "
     "UPDATE vouchers_deduction SET amount = amount + 0.01 WHERE id = {deduction.pk}"),
    ("I1", "deduction deleted, counters kept", "DELETE FROM vouchers_deduction WHERE id = {deduction.pk}"),
    # a counter moved without any deduction row (vouchers 0007 guard, at COMMIT)
    ("I1", "fund counter lowered on its own (room for unfunded deductions)",
     "UPDATE vouchers_fund SET deducted = deducted - 100.00 WHERE year = {fund}"),
    ("I1", "fund counter raised on its own", MOVE_FUND),
    ("I2", "quota used moved on its own", MOVE_QUOTA),
    ("I2", "live voucher balance lowered on its own", MOVE_BALANCE),
    ("I6", "deduction moved to another year", "UPDATE vouchers_deduction SET year = year + 1 WHERE id = {deduction.pk}"),
    ("I6", "deducted order moved to another year", "UPDATE vouchers_order SET year = year + 1 WHERE id = {order.pk}"),
    ("I6", "deducted voucher moved to another year",
     "UPDATE vouchers_voucher SET year = year + 1 WHERE id = {voucher.pk}"),
    ("I3", "deduction ratio above the measures' 50% without a later policy text",
     "UPDATE policy_policyyear SET deduction_ratio = 0.501 WHERE year = 2026"),
    ("I4", "provider cap exceeded", "UPDATE redemption_provideryearcap SET approved = cap + 0.01 WHERE id = {cap.pk}"),
    ("I5", "order redeemed twice",
     "INSERT INTO redemption_claimline (claim_id, order_id, deduction_id, invoice_number, invoice_amount, amount, "
     "verified_amount, live, redeemed_order_id) SELECT {other_claim.pk}, order_id, deduction_id, invoice_number, "
     "invoice_amount, amount, verified_amount, false, order_id FROM redemption_claimline WHERE id = {line.pk}"),
    ("I5", "order in two live claims",
     "INSERT INTO redemption_claimline (claim_id, order_id, deduction_id, invoice_number, invoice_amount, amount, "
     "live) SELECT {other_claim.pk}, order_id, deduction_id, "
     "invoice_number, invoice_amount, amount, true FROM redemption_claimline WHERE id = {line.pk}"),
    ("I5", "redeemed line pointing at another order",
     "UPDATE redemption_claimline SET redeemed_order_id = {other_order.pk} WHERE id = {line.pk}"),
    ("I5", "second payment line for a provider in a batch",
     "INSERT INTO redemption_districtpayment (batch_id, disbursement_order_id, provider_id, district, amount, "
     "claim_count, state, reference, failure_reason, failure_count) SELECT batch_id, disbursement_order_id, "
     "provider_id, district, amount, claim_count, 'pending', '', '', 0 FROM redemption_districtpayment "
     "WHERE id = {payment.pk}"),
    ("I5", "payment marked paid without a reference",
     "UPDATE redemption_districtpayment SET state = 'paid' WHERE id = {payment.pk}"),
    ("I5", "approved claim without its counted year",
     "UPDATE redemption_redemptionclaim SET cap_year = NULL WHERE id = {claim.pk}"),
    ("I7", "second claim ledger entry for a voucher",
     "INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, reference, memo, "
     "business_time, recorded_at) SELECT kind, year, amount, organisation_id, fund_id, voucher_id, reference, memo, "
     "business_time, recorded_at FROM vouchers_ledgerentry WHERE kind = 'claim' AND voucher_id = {voucher.pk}"),
    ("I7", "second ledger entry for a deduction",
     "INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, "
     "deduction_id, reference, memo, business_time, recorded_at) SELECT kind, year, amount, organisation_id, fund_id, "
     "voucher_id, order_id, deduction_id, reference, memo, business_time, recorded_at FROM vouchers_ledgerentry "
     "WHERE deduction_id = {deduction.pk}"),
    ("I7", "negative ledger amount", "INSERT INTO vouchers_ledgerentry (kind, year, amount, reference, memo, "
                                     "business_time, recorded_at) VALUES ('payment', 2026, -1, '', '', now(), now())"),
    ("I7", "ledger entry edited", "UPDATE vouchers_ledgerentry SET amount = amount + 1 WHERE id = {ledger.pk}"),
    ("I7", "ledger entry deleted", "DELETE FROM vouchers_ledgerentry WHERE id = {ledger.pk}"),
    ("I7", "audit event edited", "UPDATE audit_auditevent SET action = 'forged' WHERE id = {audit.pk}"),
    ("I7", "audit event deleted", "DELETE FROM audit_auditevent WHERE id = {audit.pk}"),
]


def _format(sql: str, world: dict) -> str:
    return sql.format(**{key: value for key, value in world.items()})


@pytest.mark.parametrize("invariant,attempt,sql", GUARDS, ids=[g[1].replace(" ", "_") for g in GUARDS])
def test_raw_sql_breaking_an_invariant_is_refused_by_the_database(world, invariant, attempt, sql):
    # given the world as the services left it (the bare payment line is set up without its claims)
    before = check_invariants()
    assert {v.check for v in before} <= {"payment_not_its_claims", "disbursement_not_its_payments"}
    statement = _format(sql, world)
    # when the statement runs behind the services' back
    refused = False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for part in statement.split("; "):
                cursor.execute(part)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks, as COMMIT runs them
    except IntegrityError as exc:
        # refused for the invariant, not because the statement itself was malformed (a missing NOT NULL value)
        refused = "null value" not in str(exc)
    record("db_guards", tried=1, held=int(refused), detail="" if refused else f"NOT refused: {invariant} {attempt}")
    # then PostgreSQL refuses it and nothing changed
    assert refused, f"{invariant}: {attempt} was accepted by the database: {statement}"
    assert check_invariants() == before


def test_a_deduction_written_with_all_its_counter_movements_is_accepted(world):
    """The deduction guard is not a blanket refusal: the same raw row with the fund, the quota and the balance
    moved in its transaction passes the deferred checks (the guard checks the counters, nothing else)."""
    statement = _format(f"{MOVE_FUND}; {MOVE_QUOTA}; {MOVE_BALANCE}; {RAW_DEDUCTION}", world)
    with transaction.atomic(), connection.cursor() as cursor:
        for part in statement.split("; "):
            cursor.execute(part)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # raises IntegrityError if the guard refused
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_a_raw_deduction_fails_at_commit_and_leaves_nothing(world):
    """Without SET CONSTRAINTS: the guard is deferred to COMMIT, which fails and rolls the row back."""
    from vouchers.models import Deduction, Fund

    deductions, fund = Deduction.objects.count(), Fund.objects.get(year=world["fund"]).deducted
    refused = False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_format(RAW_DEDUCTION, world))
            assert Deduction.objects.count() == deductions + 1  # the INSERT itself went through
    except IntegrityError as exc:
        refused = "deduction guard" in str(exc)
    record("db_guards", tried=1, held=int(refused), detail="" if refused else "NOT refused at COMMIT: raw deduction")
    assert refused
    assert (Deduction.objects.count(), Fund.objects.get(year=world["fund"]).deducted) == (deductions, fund)
    assert {v.check for v in check_invariants()} <= {"payment_not_its_claims", "disbursement_not_its_payments"}
