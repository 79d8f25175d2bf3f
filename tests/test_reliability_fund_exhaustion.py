"""Found by the broker-outage check: a deduction refused through the API because the fund is exhausted must
void the year's unused vouchers (第四条 先用先得) whether or not the request carries an Idempotency-Key."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": "exhausted-1"}], ids=["plain", "idempotent"])
def test_a_deduction_refused_for_an_exhausted_fund_voids_the_years_unused_vouchers(set_clock, api_as, headers,
                                                                                  django_capture_on_commit_callbacks):
    from hangqifu.policy.models import PolicyYear
    from vouchers.models import Fund, Voucher
    from vouchers.tests import money_factories as mf

    # given a fund that cannot cover the next deduction, and another holder's unused voucher
    set_clock("2026-06-01T09:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2026)
    batch = mf.open_batch(types=(("digital_empowerment", "1000.00", 5),))
    buyer = mf.qualified_buyer()
    voucher, other = mf.claimed_voucher(buyer, batch), mf.claimed_voucher(mf.qualified_buyer(), batch)
    order = mf.order_in_state(buyer, mf.provider_user(), "rated", amount="2000.00")
    Fund.objects.filter(year=2026).update(total="100.00")
    # when the buyer asks for more than the fund holds
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(buyer).post(f"/api/v1/orders/{order.pk}/deduct/",
                                      {"voucher": voucher.pk, "amount": "500.00", "declares_no_other_subsidy": True},
                                      format="json", **headers)
    # then it is refused, the fund is closed and every unused voucher of the year is voided
    assert (response.status_code, response.json()["code"]) == (409, "fund_exhausted")
    assert Fund.objects.get(year=2026).exhausted_at is not None
    assert set(Voucher.objects.filter(pk__in=[voucher.pk, other.pk]).values_list("state", flat=True)) == {"voided"}
