"""Fraud signals: each documented rule fires on a crafted case and stays silent on a clean one; the nightly
computation is idempotent per day; staff see the ranked list with reasons; the rules page lists every rule."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.jobs import registered_jobs
from supervision import fraud
from supervision.models import FraudSignal
from vouchers.models import Order, Voucher

from .insight_factories import buyer_org, claim_with_invoice, deducted_order, order, provider_org

pytestmark = pytest.mark.django_db
Rule = FraudSignal.Rule


@pytest.fixture(autouse=True)
def now(set_clock):
    return set_clock("2026-06-01T09:00:00+08:00")


def signals(rule):
    fraud.fraud_signals_compute()
    return list(FraudSignal.objects.filter(rule=rule).order_by("subject_id"))


def test_pair_volume_fires_at_the_threshold_and_not_below():
    # given a pair at the threshold and another one order short of it
    busy_buyer, quiet_buyer, provider = buyer_org(), buyer_org(), provider_org()
    busy = [order(busy_buyer, provider) for _ in range(fraud.PAIR_ORDER_THRESHOLD)]
    for _ in range(fraud.PAIR_ORDER_THRESHOLD - 1):
        order(quiet_buyer, provider)
    # then
    found = signals(Rule.PAIR_VOLUME)
    assert [s.subject_id for s in found] == [o.pk for o in busy]
    assert f"下单 {fraud.PAIR_ORDER_THRESHOLD} 笔" in found[0].reasons[0]


def test_an_order_far_above_the_price_basis_fires_and_one_at_the_limit_does_not():
    buyer, provider = buyer_org(), provider_org()
    high = order(buyer, provider, amount="20000.01", basis="10000.00")
    order(buyer, provider, amount="20000.00", basis="10000.00")
    found = signals(Rule.ABOVE_PRICE_BASIS)
    assert [s.subject_id for s in found] == [high.pk]
    assert "价格基准 10000.00 元" in found[0].reasons[0]


def test_an_order_exactly_twice_the_voucher_balance_fires():
    # given a deduction that drained a 5000 voucher with a 10000 order, and a clean one (voucher of 6000)
    provider = provider_org()
    drained = deducted_order(provider, amount="10000.00", deduction="5000.00")
    Voucher.objects.filter(pk=drained.deduction.voucher_id).update(face_value=Decimal("5000.00"), balance=0)
    clean = deducted_order(provider, amount="10000.00", deduction="5000.00")
    Voucher.objects.filter(pk=clean.deduction.voucher_id).update(face_value=Decimal("6000.00"),
                                                                 balance=Decimal("1000.00"))
    # and a signed order of 6000 while the buyer holds a live voucher of balance 3000 of the category
    holder = deducted_order(provider, amount="2000.00", deduction="1000.00")
    Voucher.objects.filter(pk=holder.deduction.voucher_id).update(face_value=Decimal("4000.00"),
                                                                  balance=Decimal("3000.00"))
    pending = order(holder.buyer, provider, amount="6000.00")
    order(holder.buyer, provider, amount="6000.02")
    # then
    assert {s.subject_id for s in signals(Rule.TWICE_BALANCE)} == {drained.pk, pending.pk}


def test_a_deduction_minutes_after_the_rating_fires_and_a_later_one_does_not():
    buyer, provider = buyer_org(), provider_org()
    rated = clock.now() - timedelta(days=1)
    quick = order(buyer, provider, state=Order.State.DEDUCTED, completed_at=rated - timedelta(days=1), rated_at=rated,
                  deducted_at=rated + timedelta(minutes=fraud.QUICK_DEDUCTION_MINUTES - 1), satisfaction="satisfied")
    order(buyer, provider, state=Order.State.DEDUCTED, completed_at=rated - timedelta(days=1), rated_at=rated,
          deducted_at=rated + timedelta(minutes=fraud.QUICK_DEDUCTION_MINUTES + 1), satisfaction="satisfied")
    found = signals(Rule.QUICK_DEDUCTION)
    assert [s.subject_id for s in found] == [quick.pk]


def test_buyers_sharing_a_phone_with_their_provider_fire_and_distinct_details_do_not():
    # given a buyer with the provider's phone (and orders between them), a second buyer with the first's address
    provider = provider_org(contact_phone="0571-88880000")
    colluding = buyer_org(contact_phone=" 0571-88880000 ", address="杭州市西湖区文三路1号")
    sibling = buyer_org(address="杭州市西湖区文三路1号")
    clean = buyer_org(contact_phone="0571-12345678", address="杭州市滨江区江南大道2号")
    order(colluding, provider)
    # then
    found = {s.subject_id: s for s in signals(Rule.SHARED_CONTACT)}
    assert set(found) == {provider.pk, colluding.pk, sibling.pk}
    assert clean.pk not in found
    assert found[provider.pk].score >= 2 * fraud.SCORES[Rule.SHARED_CONTACT]
    assert any("存在服务券订单" in r for r in found[colluding.pk].reasons)
    assert found[sibling.pk].score == fraud.SCORES[Rule.SHARED_CONTACT]


def test_a_provider_rated_satisfied_within_hours_every_time_fires():
    suspicious, normal = provider_org(), provider_org()
    done = clock.now() - timedelta(days=3)
    for i in range(fraud.INSTANT_RATING_MIN_RATINGS):
        order(buyer_org(), suspicious, state=Order.State.RATED, completed_at=done, rated_at=done + timedelta(minutes=30),
              satisfaction="satisfied")
        late = timedelta(hours=fraud.INSTANT_RATING_HOURS + 1) if i == 0 else timedelta(minutes=30)
        order(buyer_org(), normal, state=Order.State.RATED, completed_at=done, rated_at=done + late,
              satisfaction="satisfied")
    found = signals(Rule.INSTANT_SATISFACTION)
    assert [s.subject_id for s in found] == [suspicious.pk]


def test_claims_repeating_an_invoice_number_fire_and_distinct_numbers_do_not():
    provider = provider_org()
    first = claim_with_invoice(provider, "33001234")
    second = claim_with_invoice(provider, " 33001234")
    claim_with_invoice(provider, "33005678")
    found = signals(Rule.REPEATED_INVOICE)
    assert [s.subject_id for s in found] == [first.pk, second.pk]
    assert "33001234" in found[0].reasons[0]


def test_the_nightly_job_is_registered_and_idempotent_per_day():
    buyer, provider = buyer_org(), provider_org()
    order(buyer, provider, amount="30000.00", basis="10000.00")
    job = registered_jobs()["audit.fraud_signals"]
    first = job()
    second = job()
    assert first["signals"] == second["signals"] == FraudSignal.objects.count() == 1


def test_risk_scores_add_the_order_and_its_parties_signals():
    buyer, provider = buyer_org(contact_phone="13800000000"), provider_org(contact_phone="13800000000")
    risky = order(buyer, provider, amount="30000.00", basis="10000.00")
    fraud.fraud_signals_compute()
    scores = fraud.risk_scores(subject_type=FraudSignal.Subject.ORDER)
    assert scores[risky.pk] == fraud.SCORES[Rule.ABOVE_PRICE_BASIS] + 2 * (2 * fraud.SCORES[Rule.SHARED_CONTACT])


def test_staff_see_the_ranked_list_with_reasons_and_the_rules(client, make_user, django_assert_max_num_queries):
    buyer, provider = buyer_org(), provider_org()
    for amount in ("30000.00", "25000.00"):
        order(buyer, provider, amount=amount, basis="10000.00")
    fraud.fraud_signals_compute()
    client.force_login(make_user(role=Role.BUREAU))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("audit:fraud-signals"))
    assert page.status_code == 200
    assert "订单金额 30000.00 元超过产品" in page.content.decode()
    rules = client.get(reverse("audit:fraud-rules")).content.decode()
    for doc in fraud.rule_docs():
        assert doc.label in rules
    assert "不保存银行账户" in rules


def test_enterprises_cannot_see_fraud_signals(client, make_user):
    client.force_login(make_user(role=Role.ENTERPRISE))
    assert client.get(reverse("audit:fraud-signals")).status_code == 403


def test_the_api_lists_the_ranked_signals_for_staff_only(api_as, make_user):
    buyer, provider = buyer_org(), provider_org()
    order(buyer, provider, amount="30000.00", basis="10000.00")
    fraud.fraud_signals_compute()
    body = api_as(make_user(role=Role.FINANCE_BUREAU)).get("/api/v1/fraud-signals/", {"rule": "above_price_basis"})
    assert body.status_code == 200
    result = body.json()["results"][0]
    assert result["score"] == fraud.SCORES[Rule.ABOVE_PRICE_BASIS] and result["reasons"]
    assert api_as(make_user(role=Role.PROVIDER)).get("/api/v1/fraud-signals/").status_code == 403
