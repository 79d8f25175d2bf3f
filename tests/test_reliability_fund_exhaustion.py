"""Found by the broker-outage check, revised with 第四条's reading (用完为止): through the API, with or without an
Idempotency-Key, a deduction over the fund's remainder is refused stating it and voids nothing; the deduction
that spends the remainder exactly ends the year and voids its unused vouchers after commit."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": "exhausted-1"}], ids=["plain", "idempotent"])
def test_over_the_remainder_is_refused_and_the_remainder_itself_ends_the_year(set_clock, api_as, headers,
                                                                              django_capture_on_commit_callbacks):
    from hangqifu.policy.models import PolicyYear
    from vouchers.models import Fund, Voucher
    from vouchers.tests import money_factories as mf

    # given a fund with 100.00 left, and another holder's unused voucher
    set_clock("2026-06-01T09:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2026)
    batch = mf.open_batch(types=(("digital_empowerment", "1000.00", 5),))
    buyer = mf.qualified_buyer()
    voucher, other = mf.claimed_voucher(buyer, batch), mf.claimed_voucher(mf.qualified_buyer(), batch)
    order = mf.order_in_state(buyer, mf.provider_user(), "rated", amount="2000.00")
    Fund.objects.filter(year=2026).update(total="100.00")
    client = api_as(buyer)
    # when the buyer asks for more than the fund holds
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/orders/{order.pk}/deduct/",
                               {"voucher": voucher.pk, "amount": "500.00", "declares_no_other_subsidy": True},
                               format="json", **headers)
    # then it is refused with the remainder, and nothing else happens
    assert (response.status_code, response.json()["code"]) == (409, "fund_remainder_exceeded")
    assert "100.00" in response.json()["detail"]
    assert Fund.objects.get(year=2026).exhausted_at is None
    assert set(Voucher.objects.filter(pk__in=[voucher.pk, other.pk]).values_list("state", flat=True)) == {"live"}
    # when the buyer deducts the remainder
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/orders/{order.pk}/deduct/",
                               {"voucher": voucher.pk, "amount": "100.00", "declares_no_other_subsidy": True},
                               format="json", **{k: v + "-2" for k, v in headers.items()})
    # then the fund is spent and every other unused voucher of the year is voided
    assert response.status_code == 200, response.json()
    assert Fund.objects.get(year=2026).exhausted_at is not None
    assert Voucher.objects.get(pk=other.pk).state == "voided"
