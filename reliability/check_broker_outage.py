"""Check 11 (long): the broker (a private Redis on its own port, started and stopped here — the shared one is
never touched) goes down. User actions that enqueue tasks after commit still commit and answer normally (the
task waits in the transactional outbox, hangqifu.core.outbox); when the broker is back, the periodic jobs
(outbox relay, settlement resume) and a worker finish every step — nothing is lost.

PostgreSQL restart: reliability/check_pg_restart.py (on a private cluster; the shared server is never restarted)."""
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import date

import pytest

from conftest import wait_until
from reliability.figures import record, scale
from reliability.invariants import check_invariants
from reliability.scenarios import Worker, api_post, staff, token_client
from reliability.scenarios import deducted_orders_via_services, pre_reviewed_claims

pytestmark = [pytest.mark.django_db(transaction=True)]
PORT = scale("outage_redis_port", 6391)


class PrivateRedis:
    def __init__(self, port: int):
        self.port, self.dir = port, tempfile.mkdtemp(prefix="hq-outage-redis-")
        self.pid = None

    def start(self):
        subprocess.run(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", self.dir, "--daemonize", "yes",
                        "--pidfile", f"{self.dir}/redis.pid"], check=True)
        assert wait_until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                                                 text=True).stdout.strip() == "PONG", timeout=10)
        self.pid = int(open(f"{self.dir}/redis.pid").read())

    def stop(self):
        if self.pid:
            os.kill(self.pid, 15)
            wait_until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                                              capture_output=True).returncode != 0, timeout=10)
            self.pid = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def broker(settings):
    """The Celery app of this process (and workers started with `Worker`) on a private broker."""
    from hangqifu.celery import app

    redis = PrivateRedis(PORT)
    redis.start()
    url = f"redis://127.0.0.1:{PORT}/0"
    queue = f"outage-{uuid.uuid4().hex[:6]}"
    old = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue,
           os.environ.get("CELERY_BROKER_URL"))
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = url, False, queue
    os.environ["CELERY_BROKER_URL"] = url
    _reset_connections(app)
    yield redis, queue
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = old[:3]
    if old[3] is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = old[3]
    _reset_connections(app)
    redis.cleanup()


def _reset_connections(app):
    """Drop the app's connection and producer pools so the next publish connects to the current broker_url."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_actions_commit_while_the_broker_is_down_and_their_tasks_run_when_it_returns(world, broker, settings):
    from hangqifu.accounts.roles import Role
    from hangqifu.core import clock
    from hangqifu.core.jobs import run_due_jobs
    from redemption.models import SettlementBatch
    from redemption.services.redemption_claims import claim_approve
    from redemption.services.settlement import batch_open
    from vouchers.models import Fund, Voucher
    from vouchers.tests import money_factories as mf

    redis, queue = broker
    people = staff()
    center, bureau = people[Role.SERVICE_CENTER], people[Role.BUREAU]
    provider = mf.provider_user()
    for claim in pre_reviewed_claims(provider, deducted_orders_via_services(provider, 2), center):
        claim_approve(claim=claim, actor=bureau)
    today = clock.today()
    batch = batch_open(actor=center, period_start=date(today.year, 1, 1), period_end=date(today.year, 12, 31))
    # a holder whose deduction spends the fund's last yuan (→ the year's vouchers are voided by a task)
    fund_batch = mf.open_batch(types=(("legal", "1000.00", 5),))
    buyer = mf.qualified_buyer()
    voucher = mf.claimed_voucher(buyer, fund_batch)
    spare = mf.claimed_voucher(mf.qualified_buyer(), fund_batch)
    order = mf.order_in_state(buyer, provider, "rated", amount="2000.00", category="legal")
    fund = Fund.objects.get(year=2026)
    Fund.objects.filter(pk=fund.pk).update(total=fund.deducted + 1)
    for user in (center, buyer):
        token_client(user)

    # when the broker is down
    redis.stop()
    started = time.monotonic()
    close = api_post(center, f"/api/v1/settlement-batches/{batch.pk}/close/", {})
    deduct = api_post(buyer, f"/api/v1/orders/{order.pk}/deduct/",
                      {"voucher": voucher.pk, "amount": "1.00", "declares_no_other_subsidy": True})
    elapsed = time.monotonic() - started
    committed = SettlementBatch.objects.get(pk=batch.pk).state == "collecting"
    answered = close[0] == 200 and deduct[0] == 200

    # then, once it is back, a worker and the periodic jobs finish both steps
    redis.start()
    worker = Worker(queue, settings)
    try:
        run_due_jobs()  # beat: resumes unfinished settlement steps, sweeps exhausted years
        collected = wait_until(lambda: SettlementBatch.objects.get(pk=batch.pk).state == "collected", timeout=120)
        voided = wait_until(lambda: not Voucher.objects.filter(pk__in=[voucher.pk, spare.pk], state="live").exists(),
                            timeout=120)
    finally:
        worker.stop()
    violations = check_invariants()
    held = sum([committed and close[0] == 200, deduct[0] == 200, collected, voided])
    record("broker_outage", tried=4, held=held,
           detail=f"broker down: batch close → {close[0]} (committed: {committed}), deduction → {deduct[0]} "
                  f"{(deduct[1] or {}).get('code')} in {elapsed:.1f}s; after recovery: collected {collected}, "
                  f"year voided {voided}; {len(violations)} violations")
    assert answered and committed, (close, deduct)
    assert collected and voided
    assert violations == [], violations[:5]
