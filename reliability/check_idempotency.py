"""Check 5 (long): 100 concurrent replays (on 40 threads) of one Idempotency-Key on the three money-moving
POSTs — claim, deduct, district payment confirmation: exactly one effect, and all 100 responses identical
(status and body)."""
import json
import random
import uuid

import pytest

from reliability.figures import record, scale
from reliability.invariants import check_invariants
from reliability.scenarios import (
    api_post,
    deducted_orders_via_services,
    pre_reviewed_claims,
    run_threads,
    settle_to_payment,
    staff,
    token_client,
)

pytestmark = [pytest.mark.django_db(transaction=True)]
REPLAYS = scale("replays", 100)
ROUNDS = range(scale("idempotency_rounds", 2))
CAT = "digital_empowerment"


def _replay(name: str, user, url: str, body: dict, count_effects) -> None:
    key = f"{name}-{uuid.uuid4()}"
    before = count_effects()
    results = run_threads([lambda: api_post(user, url, body, HTTP_IDEMPOTENCY_KEY=key)] * REPLAYS)
    crashed = [r for r in results if not isinstance(r, tuple)]
    distinct = {json.dumps(r, sort_keys=True, default=str) for r in results if isinstance(r, tuple)}
    effects = count_effects() - before
    violations = check_invariants()
    ok = not crashed and len(distinct) == 1 and effects == 1 and not violations and results[0][0] < 300
    record("idempotency_replays", tried=1, held=int(ok),
           detail=f"{name}: {REPLAYS} replays → {len(distinct)} distinct response(s) "
                  f"(status {sorted({r[0] for r in results if isinstance(r, tuple)})}), {effects} effect(s)")
    assert not crashed, crashed[:2]
    assert len(distinct) == 1, sorted(distinct)[:3]
    assert results[0][0] < 300, results[0]
    assert effects == 1
    assert violations == [], violations[:5]


@pytest.mark.parametrize("round_", ROUNDS)
def test_claim_replays(world, round_):
    from vouchers.models import LedgerEntry, Voucher
    from vouchers.tests import money_factories as mf

    batch = mf.open_batch(types=((CAT, "500.00", 50),))
    buyer = mf.qualified_buyer()
    token_client(buyer)
    _replay("claim", buyer, f"/api/v1/batches/{batch.pk}/claim/", {"voucher_type": batch.voucher_types.get().pk},
            lambda: Voucher.objects.count())
    assert LedgerEntry.objects.filter(kind="claim").count() == Voucher.objects.count()


@pytest.mark.parametrize("round_", ROUNDS)
def test_deduct_replays(world, round_):
    from vouchers.models import Deduction
    from vouchers.tests import money_factories as mf

    batch = mf.open_batch(types=((CAT, "1000.00", 5),))
    buyer = mf.qualified_buyer()
    voucher = mf.claimed_voucher(buyer, batch)
    order = mf.order_in_state(buyer, mf.provider_user(), "rated", amount="2000.00")
    token_client(buyer)
    amount = random.Random(round_).choice(["100.00", "999.99", "1000.00"])
    _replay("deduct", buyer, f"/api/v1/orders/{order.pk}/deduct/",
            {"voucher": voucher.pk, "amount": amount, "declares_no_other_subsidy": True},
            lambda: Deduction.objects.count())


@pytest.mark.parametrize("round_", ROUNDS)
def test_payment_confirm_replays(world, round_):
    from hangqifu.accounts.roles import Role
    from redemption.models import DistrictPayment
    from redemption.services.redemption_claims import claim_approve
    from redemption.tests.factories import district_user
    from vouchers.models import LedgerEntry
    from vouchers.tests import money_factories as mf

    people = staff()
    provider = mf.provider_user()
    orders = deducted_orders_via_services(provider, 2)
    claims = [claim_approve(claim=c, actor=people[Role.BUREAU])
              for c in pre_reviewed_claims(provider, orders, people[Role.SERVICE_CENTER])]
    settle_to_payment(claims, people)
    payment = DistrictPayment.objects.get()
    officer = district_user(payment.district)
    token_client(officer)
    from hangqifu.core import clock

    _replay("payment confirm", officer, f"/api/v1/district-payments/{payment.pk}/confirm/",
            {"reference": f"QQ-{uuid.uuid4().hex[:12]}", "paid_at": clock.now().isoformat()},
            lambda: LedgerEntry.objects.filter(kind="payment").count())
    assert DistrictPayment.objects.get().state == "paid"
