"""Rated orders feed the providers' nightly removal proposals (第十七条 5): the real order source, no stubs."""
import pytest

from hangqifu.policy.models import PolicyYear
from providers.models import Removal, RemovalReason
from providers.performance import collect_stats, removal_proposals_run

from vouchers.services.orders import order_rate

from .money_factories import order_in_state, provider_user, qualified_buyer


def _rated(buyer, provider, satisfaction):
    order = order_in_state(buyer, provider, "completed", amount="1000.00")
    return order_rate(actor=buyer, order_id=order.pk, satisfaction=satisfaction, comment="服务评价")

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(set_clock):
    set_clock("2026-06-01T09:00:00+08:00")
    PolicyYear.objects.filter(year=2026).update(dissatisfaction_min_ratings=2)
    return {"buyer": qualified_buyer(quota="20000.00"), "provider": provider_user()}


def test_order_figures_count_orders_and_ratings_per_provider(parties):
    # given
    buyer, provider = parties["buyer"], parties["provider"]
    _rated(buyer, provider, "satisfied")
    _rated(buyer, provider, "dissatisfied")
    order_in_state(buyer, provider, "signed", amount="1000.00")
    order_in_state(buyer, provider, "cancelled", amount="1000.00")
    # when
    stats = collect_stats(year=2026, organisation_ids=[provider.organisation_id])[provider.organisation_id]
    # then
    assert (stats.order_count, stats.rated_count, stats.satisfied_count, stats.dissatisfied_count) == (3, 2, 1, 1)
    assert stats.last_voucher_order_on is None  # nothing was deducted


def test_dissatisfied_ratings_of_real_orders_lead_to_a_removal_proposal(parties):
    # given: 2 ratings (the minimum here), 1 dissatisfied = 50% ≥ 20%
    buyer, provider = parties["buyer"], parties["provider"]
    _rated(buyer, provider, "basically_satisfied")
    _rated(buyer, provider, "dissatisfied")
    # when
    result = removal_proposals_run()
    # then
    assert result["proposed"] == 1
    removal = Removal.objects.get()
    assert removal.reason == RemovalReason.DISSATISFACTION
    assert removal.profile.organisation_id == provider.organisation_id


def test_satisfied_ratings_propose_nothing(parties):
    buyer, provider = parties["buyer"], parties["provider"]
    _rated(buyer, provider, "satisfied")
    _rated(buyer, provider, "satisfied")
    assert removal_proposals_run()["proposed"] == 0
