"""Killing the Celery worker in the middle of issuing a batch's disbursement orders, then resuming, gives
exactly one disbursement order per district, one payment line per provider and one per claim."""
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import wait_until
from hangqifu.core.choices import District
from hangqifu.notices import services as notice_services
from vouchers.models.ledger import LedgerEntry

from ..jobs import advance_settlements
from ..ledger import verify_redemption_ledger
from ..models import DisbursementOrder, DistrictPayment, RedemptionClaim, SettlementBatch
from ..services import settlement as services
from . import factories

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def _start_worker(queue: str, settings) -> subprocess.Popen:
    """A second worker on the same queue and database, as an operator would restart it."""
    from django.db import connection

    db = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/"
                                         f"{connection.settings_dict['NAME']}",
           "DJANGO_SETTINGS_MODULE": "hangqifu.settings.test", "CELERY_TASK_DEFAULT_QUEUE": queue,
           "HANGQIFU_TEST_CACHE_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "")}
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "hangqifu", "worker", "-P", "solo", "-Q", queue,
                             "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                            env=env, cwd=Path(__file__).resolve().parents[2])


def test_worker_killed_mid_settlement_resumes_without_duplicates(celery_worker_process, policy_years, settings,
                                                                  set_clock, make_user):
    from hangqifu.accounts.roles import Role

    queue, stop = celery_worker_process
    set_clock("2026-06-01T09:00:00+08:00")
    center, bureau, finance = (make_user(role=Role.SERVICE_CENTER), make_user(role=Role.BUREAU),
                               make_user(role=Role.FINANCE_BUREAU))
    # given one approved claim per provider in each of the 13 districts (plus a second claim in 西湖区)
    for district in District.values:
        provider = factories.provider_user(district, name=f"{District(district).label}测试服务机构")
        factories.approved_claim(provider, [factories.deducted_order(provider.organisation)], center=center,
                                 bureau=bureau)
    xihu = RedemptionClaim.objects.filter(provider__district="xihu").first()
    factories.approved_claim(xihu.created_by, [factories.deducted_order(xihu.provider)], center=center,
                             bureau=bureau)
    batch = services.batch_open(actor=center, period_start=date(2026, 5, 1), period_end=date(2026, 6, 30))
    services.batch_close(batch=batch, actor=center)
    assert wait_until(lambda: SettlementBatch.objects.get(pk=batch.pk).state == "collected", timeout=60)
    services.batch_approve(batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    batch = services.batch_publish(batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    set_clock(batch.notice.closes_at + timedelta(hours=10))
    notice_services.notices_close_expired()
    services.batch_sign(batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    # when the finance bureau co-signs, the worker starts issuing — and is killed after the first district
    services.batch_sign(batch=SettlementBatch.objects.get(pk=batch.pk), actor=finance)
    assert wait_until(lambda: DisbursementOrder.objects.filter(batch=batch).exists(), timeout=90, interval=0.05)
    stop(signal.SIGKILL)
    issued_at_crash = DisbursementOrder.objects.filter(batch=batch).count()
    assert issued_at_crash < len(District.values)
    assert SettlementBatch.objects.get(pk=batch.pk).state == "issuing"
    # then a restarted worker and the resume job finish the batch
    worker = _start_worker(queue, settings)
    try:
        advance_settlements()
        advance_settlements()  # twice, as a second beat tick would: still nothing twice
        assert wait_until(lambda: SettlementBatch.objects.get(pk=batch.pk).state == "disbursed", timeout=180)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert DisbursementOrder.objects.filter(batch=batch).count() == len(District.values)
    assert DistrictPayment.objects.filter(batch=batch).count() == len(District.values)
    claims = RedemptionClaim.objects.filter(batch=batch)
    assert claims.count() == len(District.values) + 1
    assert not claims.filter(payment__isnull=True).exists()
    assert LedgerEntry.objects.filter(kind="redemption").count() == claims.count()
    numbers = sorted(DisbursementOrder.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, len(District.values) + 1))
    assert verify_redemption_ledger() == []
