"""Check 4 (long): `kill -9` of a real Celery worker at a random moment of the settlement tasks (collecting,
issuing disbursement orders) and of the expiry job, then a restarted worker and a rerun (the resume job, the
job sent again): exactly one payment line per provider and batch, every claim paid through exactly one line,
one redemption entry per order, one expiry entry per voucher — the same ledger as an uninterrupted run — and
I1–I7 hold."""
import random
import signal
import time
from datetime import date, timedelta

import pytest

from conftest import wait_until
from reliability.figures import record, scale
from reliability.invariants import check_invariants
from reliability.scenarios import Worker, deducted_orders_via_services, pre_reviewed_claims, staff

pytestmark = [pytest.mark.django_db(transaction=True)]
SEEDS = range(scale("crash_seeds", 3))
DISTRICTS = ["xihu", "binjiang", "gongshu", "yuhang", "xiaoshan", "linping", "qiantang", "shangcheng"]


def _kill_at_random(rng, stop, done) -> str:
    """Wait a random 0–1.5 s (or until the step is done), then SIGKILL the worker. Returns when it died."""
    deadline = time.monotonic() + rng.uniform(0.0, 1.5)
    while time.monotonic() < deadline and not done():
        time.sleep(0.02)
    stop(signal.SIGKILL)
    return "after the step finished" if done() else "mid-step"


@pytest.mark.parametrize("seed", SEEDS)
def test_settlement_survives_kill_9(world, celery_worker_process, settings, seed):
    from hangqifu.accounts.models import Organisation
    from hangqifu.accounts.roles import Role
    from hangqifu.core import clock
    from hangqifu.notices.services import notices_close_expired
    from redemption.jobs import advance_settlements
    from redemption.models import DistrictPayment, RedemptionClaim, SettlementBatch
    from redemption.services import settlement as svc
    from redemption.services.redemption_claims import claim_approve
    from vouchers.models import LedgerEntry
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    queue, stop = celery_worker_process
    people = staff()
    center, bureau, finance = people[Role.SERVICE_CENTER], people[Role.BUREAU], people[Role.FINANCE_BUREAU]
    providers = []
    for district in rng.sample(DISTRICTS, k=rng.randint(3, 6)):
        provider = mf.provider_user()
        Organisation.objects.filter(pk=provider.organisation_id).update(district=district)
        provider.organisation.refresh_from_db()
        providers.append(provider)
        orders = deducted_orders_via_services(provider, rng.randint(1, 3))
        for claim in pre_reviewed_claims(provider, orders, center):
            claim_approve(claim=claim, actor=bureau)
    claims = RedemptionClaim.objects.filter(state="approved").count()
    workers, kills = [], []

    def restart():
        workers.append(Worker(queue, settings))
        return workers[-1]

    def batch():
        return SettlementBatch.objects.get()

    try:
        today = clock.today()
        svc.batch_open(actor=center, period_start=date(today.year, 1, 1), period_end=date(today.year, 12, 31))
        svc.batch_close(batch=batch(), actor=center)
        kills.append("collect " + _kill_at_random(rng, stop, lambda: batch().state == "collected"))
        worker = restart()
        advance_settlements()
        assert wait_until(lambda: batch().state == "collected", timeout=120)
        svc.batch_approve(batch=batch(), actor=bureau)
        svc.batch_publish(batch=batch(), actor=bureau)
        clock.set_test_clock(batch().notice.closes_at + timedelta(hours=2), frozen=True)
        notices_close_expired()
        svc.batch_sign(batch=batch(), actor=bureau)
        svc.batch_sign(batch=batch(), actor=finance)
        kills.append("issue " + _kill_at_random(rng, worker.stop, lambda: batch().state == "disbursed"))
        restart()
        advance_settlements()
        advance_settlements()  # a second beat tick: still nothing twice
        assert wait_until(lambda: batch().state == "disbursed", timeout=180)
    finally:
        for worker in workers:
            worker.stop()
    lines = DistrictPayment.objects.filter(batch=batch())
    paid_through = RedemptionClaim.objects.filter(batch=batch(), payment__isnull=False).count()
    redemption_orders = list(LedgerEntry.objects.filter(kind="redemption").values_list("order_id", flat=True))
    violations = check_invariants()
    ok = (lines.count() == len(providers) and paid_through == claims and
          len(redemption_orders) == len(set(redemption_orders)) == claims and not violations)
    record("crash_settlement", tried=2, held=2 if ok else 0,
           detail=f"seed {seed}: {len(providers)} providers, {claims} claims; kills: {', '.join(kills)}; "
                  f"{lines.count()} payment lines, {len(redemption_orders)} redemption entries, "
                  f"{len(violations)} violations")
    assert violations == [], violations[:5]
    assert lines.count() == len(providers)
    assert paid_through == claims
    assert sorted(redemption_orders) == sorted(set(redemption_orders)) and len(redemption_orders) == claims


@pytest.mark.parametrize("seed", SEEDS)
def test_expiry_survives_kill_9(world, celery_worker_process, settings, seed):
    from hangqifu.core import clock
    from hangqifu.core.tasks import run_due_jobs
    from vouchers.models import LedgerEntry, Voucher
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    queue, stop = celery_worker_process
    batch = mf.open_batch(types=(("digital_empowerment", "100.00", 400),), valid_until=date(2026, 6, 30))
    for _ in range(rng.randint(20, 60)):
        buyer = mf.qualified_buyer(quota="1000.00")
        for _ in range(rng.randint(1, 5)):
            mf.claimed_voucher(buyer, batch)
    expected = {(pk, balance) for pk, balance in Voucher.objects.filter(state="live").values_list("pk", "balance")}
    clock.set_test_clock(clock.now().replace(month=7, day=2), frozen=True)
    run_due_jobs.delay()
    kill = _kill_at_random(rng, stop, lambda: not Voucher.objects.filter(state="live").exists())
    worker = Worker(queue, settings)
    try:
        run_due_jobs.delay()  # the next beat tick
        assert wait_until(lambda: not Voucher.objects.filter(state="live").exists(), timeout=120)
    finally:
        worker.stop()
    entries = set(LedgerEntry.objects.filter(kind="expiry").values_list("voucher_id", "amount"))
    count = LedgerEntry.objects.filter(kind="expiry").count()
    violations = check_invariants()
    ok = entries == expected and count == len(expected) and not violations
    record("crash_settlement", tried=1, held=int(ok),
           detail=f"expiry seed {seed}: {len(expected)} vouchers, kill {kill}; {count} expiry entries, "
                  f"{len(violations)} violations")
    assert violations == [], violations[:5]
    assert count == len(expected) and entries == expected
