"""Check 2 (long): threads racing through the API (Django's test client, one connection per thread, ≤ 40
threads) on one batch's slots, one year's fund, one holder's quota, one provider's annual cap and one order's
deduction, over many seeds. After each race: the exact number of winners, every loser refused with a domain
code (never a 5xx — a deadlock or an unhandled error would surface as one), and I1–I7 hold."""
import random
from decimal import Decimal

import pytest

from reliability.figures import record, scale
from reliability.invariants import check_invariants
from reliability.scenarios import api_post, run_threads, token_client

pytestmark = [pytest.mark.django_db(transaction=True)]
SEEDS = range(scale("seeds", 5))
CAT = "digital_empowerment"


def _finish(race: str, seed: int, results, *, winners: int, expected: int):
    statuses = [r[0] if isinstance(r, tuple) else 599 for r in results]
    server_errors = [r for r in results if not isinstance(r, tuple) or r[0] >= 500]
    violations = check_invariants()
    ok = winners == expected and not server_errors and not violations
    record("concurrency_requests", tried=len(results), held=len(results) - len(server_errors))
    record("concurrency_races", tried=1, held=int(ok),
           detail=f"{race} seed {seed}: {len(results)} requests, {winners} won (expected {expected}), "
                  f"{len(server_errors)} 5xx, {len(violations)} violations"
                  + ("" if ok else f" — {server_errors[:2]} {violations[:2]}"))
    assert not server_errors, server_errors[:3]
    assert violations == [], violations[:5]
    assert winners == expected, sorted(set(statuses))


@pytest.mark.parametrize("seed", SEEDS)
def test_race_for_one_batch(world, seed):
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    slots, buyers = rng.randint(3, 25), rng.randint(26, 60)
    batch = mf.open_batch(types=((CAT, "500.00", slots),))
    vtype = batch.voucher_types.get()
    users = [mf.qualified_buyer() for _ in range(buyers)]
    for user in users:
        token_client(user)
    url = f"/api/v1/batches/{batch.pk}/claim/"
    results = run_threads([lambda u=u: api_post(u, url, {"voucher_type": vtype.pk}) for u in users])
    winners = sum(1 for r in results if isinstance(r, tuple) and r[0] == 201)
    _finish("batch", seed, results, winners=winners, expected=slots)


@pytest.mark.parametrize("seed", SEEDS)
def test_race_for_one_fund(world, seed):
    from vouchers.models import Fund
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    holders, fits = rng.randint(12, 30), rng.randint(3, 10)
    batch = mf.open_batch(types=((CAT, "1000.00", holders),))
    Fund.objects.filter(year=2026).update(total=Decimal(1000 * fits))
    provider = mf.provider_user()
    product = mf.listed_product(provider, price="2000.00")
    work = []
    for _ in range(holders):
        buyer = mf.qualified_buyer()
        voucher = mf.claimed_voucher(buyer, batch)
        order = mf.order_in_state(buyer, provider, "rated", amount="2000.00", product=product)
        token_client(buyer)
        work.append((buyer, voucher, order))
    results = run_threads([
        lambda b=b, v=v, o=o: api_post(b, f"/api/v1/orders/{o.pk}/deduct/",
                                       {"voucher": v.pk, "amount": "1000.00", "declares_no_other_subsidy": True})
        for b, v, o in work])
    winners = sum(1 for r in results if isinstance(r, tuple) and r[0] == 200)
    _finish("fund", seed, results, winners=winners, expected=fits)
    assert Fund.objects.get(year=2026).deducted == Decimal(1000 * fits)


@pytest.mark.parametrize("seed", SEEDS)
def test_race_for_one_holders_quota(world, seed):
    from registration.models import Qualification
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    face = Decimal(rng.choice(["500.00", "1000.00", "1500.00"]))
    quota = Decimal(rng.choice(["5000.00", "10000.00"]))
    batch = mf.open_batch(types=((CAT, str(face), 100),))
    buyer = mf.qualified_buyer(quota=str(quota))
    token_client(buyer)
    url = f"/api/v1/batches/{batch.pk}/claim/"
    body = {"voucher_type": batch.voucher_types.get().pk}
    results = run_threads([lambda: api_post(buyer, url, body)] * 40)
    winners = sum(1 for r in results if isinstance(r, tuple) and r[0] == 201)
    _finish("quota (claims)", seed, results, winners=winners, expected=int(quota // face))
    qualification = Qualification.objects.get(organisation=buyer.organisation)
    assert qualification.reserved + qualification.used <= qualification.quota


@pytest.mark.parametrize("seed", SEEDS)
def test_race_for_one_providers_cap(world, seed):
    """第十二条 is kept where the money moves: holders deducting at one provider race for its cap headroom."""
    from hangqifu.policy.models import PolicyYear
    from vouchers.models import ProviderServiceYear
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    each, fits = Decimal("1000.00"), rng.randint(2, 6)
    holders = fits + rng.randint(2, 8)
    PolicyYear.objects.filter(year=2026).update(provider_annual_cap=each * fits)  # 500,000 scaled down
    batch = mf.open_batch(types=((CAT, "1000.00", holders),))
    provider = mf.provider_user()
    product = mf.listed_product(provider, price="2000.00")
    work = []
    for _ in range(holders):
        buyer = mf.qualified_buyer()
        work.append((buyer, mf.claimed_voucher(buyer, batch),
                     mf.order_in_state(buyer, provider, "rated", amount="2000.00", product=product)))
        token_client(buyer)
    results = run_threads([
        lambda b=b, v=v, o=o: api_post(b, f"/api/v1/orders/{o.pk}/deduct/",
                                       {"voucher": v.pk, "amount": str(each), "declares_no_other_subsidy": True})
        for b, v, o in work])
    winners = sum(1 for r in results if isinstance(r, tuple) and r[0] == 200)
    _finish("provider cap", seed, results, winners=winners, expected=fits)
    assert ProviderServiceYear.objects.get(provider=provider.organisation, year=2026).deducted == each * fits


@pytest.mark.parametrize("seed", SEEDS)
def test_race_for_one_orders_deduction(world, seed):
    from vouchers.models import Deduction
    from vouchers.tests import money_factories as mf

    rng = random.Random(seed)
    batch = mf.open_batch(types=((CAT, "500.00", 100),))
    buyer = mf.qualified_buyer(quota="20000.00")
    vouchers = [mf.claimed_voucher(buyer, batch) for _ in range(rng.randint(1, 8))]
    order = mf.order_in_state(buyer, mf.provider_user(), "rated", amount="1000.00")
    token_client(buyer)
    bodies = [{"voucher": vouchers[i % len(vouchers)].pk, "amount": str(rng.choice([100, 250, 500])),
               "declares_no_other_subsidy": True} for i in range(40)]
    results = run_threads([lambda b=b: api_post(buyer, f"/api/v1/orders/{order.pk}/deduct/", b) for b in bodies])
    winners = sum(1 for r in results if isinstance(r, tuple) and r[0] == 200)
    _finish("order deduction", seed, results, winners=winners, expected=1)
    assert Deduction.objects.filter(order=order).count() == 1
