"""Money under real concurrency on PostgreSQL: each thread uses its own connection (and closes it), the
invariants are asserted afterwards against the database.

- 500 concurrent claims for 100 slots → exactly 100 vouchers (I1, batch cap);
- concurrent deductions asking for twice the quota / twice the fund never exceed either (I1, I2);
- 24 concurrent replays of one Idempotency-Key → one voucher;
- claims and deductions of the same holders at once while the fund runs out (and is swept) → no deadlock,
  the fund exactly spent, the batch cap exact, no live voucher left (the lock order of claims.py and
  deductions.py: the claim's fund FOR KEY SHARE or the deduction's shared gate first, the hot row's UPDATE
  last);
- the expiry job run twice at once → the same ledger as one run;
- claims in flight while the batch closes → refused once the close commits, no voucher after it."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, transaction

from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from registration.models import Qualification
from vouchers.models import Deduction, Fund, IssuanceBatch, LedgerEntry, Voucher, VoucherType
from vouchers.services.voucher_claims import voucher_claim
from vouchers.services.deductions import deduction_apply
from vouchers.services.funds import batch_close
from vouchers.services.ledger import ledger_verify
from vouchers.tests.money_factories import (
    bureau_user,
    claimed_voucher,
    open_batch,
    order_in_state,
    provider_user,
    qualified_buyer,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CAT = ServiceCategory.DIGITAL_EMPOWERMENT
THREADS = 40


def _run_all(calls):
    """Run zero-argument callables on ≤ 40 threads; each returns ("ok", value) or ("error", code)."""
    def run(call):
        try:
            return ("ok", call())
        except DomainError as exc:
            return ("error", exc.code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def june(set_clock):
    # transactional tests flush the tables after each test, seeded policy years included
    from hangqifu.policy.models import PolicyYear

    for year in (2026, 2027):
        PolicyYear.objects.get_or_create(year=year)
    return set_clock("2026-06-01T09:00:00+08:00")


def test_500_concurrent_claims_for_100_slots_give_exactly_100_vouchers(june):
    # given: 100 buyers with room for 5 vouchers each, one type with 100 slots
    batch = open_batch(types=((CAT, "100.00", 100),))
    voucher_type = batch.voucher_types.get()
    buyers = [qualified_buyer(quota="500.00") for _ in range(100)]
    calls = [lambda b=b: voucher_claim(actor=b, batch_id=batch.pk, voucher_type_id=voucher_type.pk).pk
             for b in buyers * 5]
    # when
    results = _run_all(calls)
    # then
    assert sum(1 for status, _ in results if status == "ok") == 100
    assert {code for status, code in results if status == "error"} == {"batch_exhausted"}
    assert Voucher.objects.count() == 100
    assert VoucherType.objects.get(pk=voucher_type.pk).remaining == 0
    assert LedgerEntry.objects.filter(kind="claim").count() == 100
    assert ledger_verify().ok, ledger_verify().problems


def test_concurrent_claims_of_one_holder_never_pass_its_headroom(june):
    batch = open_batch(types=((CAT, "1000.00", 500),))
    buyer = qualified_buyer(quota="5000.00")
    type_id = batch.voucher_types.get().pk
    results = _run_all([lambda: voucher_claim(actor=buyer, batch_id=batch.pk, voucher_type_id=type_id).pk] * 40)
    assert sum(1 for status, _ in results if status == "ok") == 5
    qualification = Qualification.objects.get(organisation=buyer.organisation)
    assert (qualification.reserved, qualification.used) == (Decimal("5000.00"), Decimal("0.00"))


def test_concurrent_deductions_asking_twice_the_quota_never_exceed_it(june):
    # given: quota 10000 fully claimed as two 5000 vouchers; 20 rated orders each allowing 1000
    buyer, provider = qualified_buyer(quota="10000.00"), provider_user()
    batch = open_batch(types=((CAT, "5000.00", 10),))
    vouchers = [claimed_voucher(buyer, batch), claimed_voucher(buyer, batch)]
    orders = [order_in_state(buyer, provider, "rated", amount="2000.00") for _ in range(20)]
    calls = [lambda o=o, v=vouchers[i % 2]: deduction_apply(actor=buyer, order_id=o.pk, voucher_id=v.pk,
                                                            amount="1000.00", declares_no_other_subsidy=True).pk
             for i, o in enumerate(orders)]
    # when: 20 × 1000 = twice the quota
    results = _run_all(calls)
    # then
    assert sum(1 for status, _ in results if status == "ok") == 10, results
    qualification = Qualification.objects.get(organisation=buyer.organisation)
    assert qualification.used == Decimal("10000.00") <= qualification.quota
    assert set(Voucher.objects.values_list("balance", "state")) == {(Decimal("0.00"), "used_up")}
    assert Deduction.objects.count() == 10
    assert ledger_verify().ok, ledger_verify().problems


def test_concurrent_deductions_asking_twice_the_fund_never_exceed_it(june):
    # given: a fund of 10000; 20 buyers each holding a 1000 voucher and a rated order allowing 1000
    batch = open_batch(types=((CAT, "1000.00", 50),))
    Fund.objects.filter(year=2026).update(total=Decimal("10000.00"))
    provider = provider_user()
    work = []
    for _ in range(20):
        buyer = qualified_buyer(quota="5000.00")
        work.append((buyer, claimed_voucher(buyer, batch), order_in_state(buyer, provider, "rated",
                                                                          amount="2000.00")))
    calls = [lambda b=b, v=v, o=o: deduction_apply(actor=b, order_id=o.pk, voucher_id=v.pk, amount="1000.00",
                                                   declares_no_other_subsidy=True).pk for b, v, o in work]
    # when: 20 × 1000 = twice the fund
    results = _run_all(calls)
    # then: first used, first served — exactly the fund, the rest refused and their vouchers voided
    assert sum(1 for status, _ in results if status == "ok") == 10
    assert {code for status, code in results if status == "error"} <= {"fund_exhausted", "voucher_expired",
                                                                        "fund_remainder_exceeded"}
    fund = Fund.objects.get(year=2026)
    assert fund.deducted == Decimal("10000.00") == fund.total
    assert fund.exhausted_at is not None
    assert not Voucher.objects.filter(state="live").exists()
    assert Voucher.objects.filter(state="voided").count() == 10
    assert ledger_verify().ok, ledger_verify().problems


def test_claims_and_deductions_of_the_same_holders_while_the_fund_runs_out_never_deadlock(june):
    # given: 30 holders, each with a 1000 voucher and a rated order allowing 1000; a second type of 30 slots to
    # claim from (two claims each: 60 for 30); a fund that covers 10 of the 30 deductions
    batch = open_batch(types=((CAT, "1000.00", 30), (ServiceCategory.TALENT, "1000.00", 30)))
    held, rush = batch.voucher_types.get(category=CAT), batch.voucher_types.get(category=ServiceCategory.TALENT)
    provider = provider_user()
    work = []
    for _ in range(30):
        buyer = qualified_buyer(quota="5000.00")
        work.append((buyer, claimed_voucher(buyer, batch, held), order_in_state(buyer, provider, "rated",
                                                                                amount="2000.00")))
    Fund.objects.filter(year=2026).update(total=Decimal("10000.00"))
    calls = []
    for buyer, voucher, order in work:
        claim = lambda b=buyer: ("claim", voucher_claim(actor=b, batch_id=batch.pk, voucher_type_id=rush.pk).pk)
        calls += [claim, lambda b=buyer, v=voucher, o=order: ("deduction", deduction_apply(
            actor=b, order_id=o.pk, voucher_id=v.pk, amount="1000.00", declares_no_other_subsidy=True).pk), claim]
    # when: 90 requests at once; the 11th deduction finds the fund spent and voids the year (fund_exhaust) while
    # the others are in flight — a lock-order cycle would surface here as a deadlock error (not a DomainError)
    results = _run_all(calls)
    # then
    accepted = [value[0] for status, value in results if status == "ok"]
    assert accepted.count("deduction") == 10
    assert {code for status, code in results if status == "error"} <= {
        "fund_exhausted", "fund_remainder_exceeded", "batch_exhausted", "voucher_expired", "balance_exceeded",
        "quota_exceeded"}
    fund = Fund.objects.get(year=2026)
    assert fund.deducted == fund.total == Decimal("10000.00") and fund.exhausted_at is not None
    claimed = Voucher.objects.filter(voucher_type=rush).count()
    assert claimed == accepted.count("claim") <= 30
    assert VoucherType.objects.get(pk=rush.pk).remaining == 30 - claimed
    assert not Voucher.objects.filter(state="live").exists()  # the sweep saw every claim that got in
    assert ledger_verify().ok, ledger_verify().problems


def test_300_concurrent_claims_for_100_slots_of_300_holders_give_exactly_100(june):
    # the slot UPDATE is the last statement: every claim reserves its headroom and writes its voucher first,
    # so 200 of them must roll all of that back
    batch = open_batch(types=((CAT, "100.00", 100),))
    type_id = batch.voucher_types.get().pk
    buyers = [qualified_buyer(quota="500.00") for _ in range(300)]
    results = _run_all([lambda b=b: voucher_claim(actor=b, batch_id=batch.pk, voucher_type_id=type_id).pk
                        for b in buyers])
    assert sum(1 for status, _ in results if status == "ok") == 100
    assert {code for status, code in results if status == "error"} == {"batch_exhausted"}
    assert Voucher.objects.count() == 100 == LedgerEntry.objects.filter(kind="claim").count()
    assert VoucherType.objects.get(pk=type_id).remaining == 0
    assert sorted(Qualification.objects.values_list("reserved", flat=True)).count(Decimal("100.00")) == 100
    assert ledger_verify().ok, ledger_verify().problems


def test_24_concurrent_replays_of_one_idempotency_key_claim_once(june, api_as):
    batch = open_batch(types=((CAT, "100.00", 100),))
    buyer = qualified_buyer(quota="5000.00")
    api_as(buyer)  # create the token once
    url, body = f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": batch.voucher_types.get().pk}

    def replay():
        response = api_as(buyer).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="rush-1")
        return response.status_code, response.json().get("id")

    results = _run_all([replay] * 24)
    assert {value for _, value in results} == {(201, Voucher.objects.get().pk)}
    assert Voucher.objects.count() == 1
    assert batch.voucher_types.get().remaining == 99


def test_the_expiry_job_run_twice_at_once_gives_the_same_ledger_as_once(june, set_clock):
    from vouchers.jobs import expire_vouchers

    batch = open_batch(types=((CAT, "500.00", 100),))
    for _ in range(30):
        claimed_voucher(qualified_buyer(quota="5000.00"), batch)
    set_clock("2027-01-02T01:00:00+08:00")
    results = _run_all([expire_vouchers, expire_vouchers])
    assert sorted(value["expired"] for _, value in results) == [0, 30]
    entries = list(LedgerEntry.objects.filter(kind="expiry").values_list("voucher_id", "amount"))
    assert len(entries) == 30 and {amount for _, amount in entries} == {Decimal("500.00")}
    expire_vouchers()
    assert LedgerEntry.objects.filter(kind="expiry").count() == 30
    assert ledger_verify().ok, ledger_verify().problems


def _wait_for_lock_waiters(count: int, timeout: float = 10.0) -> None:
    """Until `count` other backends wait on a row lock (the claims blocked behind the closing batch)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} claims never waited on the batch")


def test_claims_in_flight_when_the_batch_closes_are_refused_after_the_close_commits(june):
    """A claim that read the batch as open just before `batch_close` committed must not get a voucher:
    it locks the batch FOR KEY SHARE in its transaction and checks the window again."""
    # given: an open batch, and the bureau's close in progress (batch FOR UPDATE held, not committed)
    batch = open_batch(types=((CAT, "100.00", 100),))
    type_id = batch.voucher_types.get().pk
    buyers = [qualified_buyer(quota="500.00") for _ in range(5)]
    bureau = bureau_user()
    closing, release = threading.Event(), threading.Event()

    def close_slowly():
        try:
            with transaction.atomic():
                batch_close(actor=bureau, batch_id=batch.pk)
                closing.set()
                release.wait(20)
        finally:
            connection.close()

    closer = threading.Thread(target=close_slowly)
    closer.start()
    assert closing.wait(20)
    # when: five claims start (each still reads the batch as open) and the close then commits
    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(_run_all, [lambda b=b: voucher_claim(actor=b, batch_id=batch.pk,
                                                                    voucher_type_id=type_id).pk])
                   for b in buyers]
        _wait_for_lock_waiters(5)
        release.set()
        closer.join(20)
        results = [f.result()[0] for f in futures]
    # then: every claim is refused, nothing was issued or reserved
    assert results == [("error", "batch_not_open")] * 5
    assert IssuanceBatch.objects.get(pk=batch.pk).state == IssuanceBatch.State.CLOSED
    assert Voucher.objects.count() == 0
    assert VoucherType.objects.get(pk=type_id).remaining == 100
    assert not Qualification.objects.filter(reserved__gt=0).exists()
