"""Building blocks of the concurrency, idempotency and crash checks: a thread pool where each thread has its
own database connection (closed at the end), API clients per user, and worlds built through the services."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

MAX_THREADS = 40


def run_threads(calls, threads: int = MAX_THREADS) -> list:
    """Run zero-argument callables on ≤ 40 threads; returns their results (an exception is returned, not
    raised). Each thread closes its own connection when its call ends."""
    def run(call):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=min(threads, MAX_THREADS)) as pool:
        return list(pool.map(run, calls))


_TOKEN_KEYS: dict[tuple, str] = {}


def api_token(user) -> str:
    """A token for `user` as `auth/token/` issues it — after the second factor for staff (the factories enrol
    them) — made once per user and reused by every thread (only its digest is stored, so the key is kept here)."""
    from hangqifu.accounts.models import ApiToken
    from hangqifu.accounts.second_factor_rule import has_second_factor
    from hangqifu.accounts.tokens import password_stamp

    cache_key = (user.pk, user.password, str(user.date_joined))  # tables are flushed between checks
    if cache_key not in _TOKEN_KEYS:
        _, _TOKEN_KEYS[cache_key] = ApiToken.objects.create(user=user, second_factor=has_second_factor(user),
                                                            password_stamp=password_stamp(user))
    return _TOKEN_KEYS[cache_key]


def token_client(user):
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def api_post(user, url: str, body: dict | None = None, **headers):
    """POST from a fresh client of `user` (safe to call from any thread): (status, JSON body)."""
    client = token_client(user)
    response = client.post(url, body or {}, format="json", **headers)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return response.status_code, payload


def ensure_policy_years():
    from hangqifu.policy.models import PolicyYear

    for year in (2026, 2027):
        PolicyYear.objects.get_or_create(year=year)


def staff():
    from hangqifu.accounts.roles import Role
    from hangqifu.accounts.tests.factories import UserFactory

    return {role: UserFactory(role=role) for role in (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU)}


def deducted_orders_via_services(provider, count: int, *, amount="2000.00", deduction="1000.00") -> list:
    """`count` orders of `provider`, each by its own buyer, deducted through the real services (so the
    ledger and counters stay consistent)."""
    from vouchers.models import Order
    from vouchers.services.deductions import deduction_apply
    from vouchers.tests import money_factories as mf

    face = Decimal(deduction)
    batch = mf.open_batch(types=(("digital_empowerment", str(face), count),))
    product = mf.listed_product(provider, price=amount)
    orders = []
    for _ in range(count):
        buyer = mf.qualified_buyer(quota=str(max(face, Decimal("5000.00"))))
        voucher = mf.claimed_voucher(buyer, batch)
        order = mf.order_in_state(buyer, provider, "rated", amount=amount, product=product)
        deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount=deduction,
                        declares_no_other_subsidy=True)
        orders.append(Order.objects.get(pk=order.pk))
    return orders


def pre_reviewed_claims(provider, orders, center) -> list:
    """One claim per order, filed, documented, submitted and pre-reviewed — waiting for the bureau."""
    from redemption.services.redemption_claims import claim_pre_review
    from redemption.tests.factories import submitted_claim

    return [claim_pre_review(claim=submitted_claim(provider, [order]), actor=center, passed=True, opinion="齐全")
            for order in orders]


def settle_to_payment(claims, people) -> "object":
    """Walk approved `claims` through a settlement batch up to issued disbursement orders (tasks eager)."""
    from hangqifu.accounts.roles import Role
    from hangqifu.core import clock
    from hangqifu.notices.services import notices_close_expired
    from redemption.models import SettlementBatch
    from redemption.services import settlement as svc

    center, bureau, finance = (people[Role.SERVICE_CENTER], people[Role.BUREAU], people[Role.FINANCE_BUREAU])
    today = clock.today()
    batch = svc.batch_open(actor=center, period_start=date(today.year, 1, 1), period_end=date(today.year, 12, 31))
    svc.batch_close(batch=batch, actor=center)
    svc.batch_approve(batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    batch = svc.batch_publish(batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    clock.set_test_clock(batch.notice.closes_at + timedelta(hours=2), frozen=True)
    notices_close_expired()
    svc.batch_sign(batch=SettlementBatch.objects.get(pk=batch.pk), actor=bureau)
    return svc.batch_sign(batch=SettlementBatch.objects.get(pk=batch.pk), actor=finance)


class Worker:
    """A Celery worker process on `queue`, pointed at this test's database (as an operator restarts one)."""

    def __init__(self, queue: str, settings):
        import os
        import subprocess
        import sys
        from pathlib import Path

        db = settings.DATABASES["default"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hangqifu.settings.test", "CELERY_TASK_DEFAULT_QUEUE": queue,
               "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/"
                               f"{connection.settings_dict['NAME']}",
               "HANGQIFU_TEST_CACHE_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hangqifu", "worker", "-P", "solo", "-Q", queue, "-l", "warning",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, cwd=Path(__file__).resolve().parent.parent)

    def stop(self, signal_number: int = 15):
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
            self.process.wait(timeout=60)
