"""第十二条 kept at the deduction, by service year: Σ deductions of a provider in a year ≤ its cap, 0.01 each side;
an order with a provider whose year is full is refused before signing; December counts for December."""
from decimal import Decimal

import pytest

from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from hangqifu.policy.models import PolicyYear
from vouchers.models import Deduction, Fund, ProviderServiceYear
from vouchers.selectors.orders import deduction_cap
from vouchers.services.deductions import deduction_apply, deduction_check

from .money_factories import claimed_voucher, open_batch, order_in_state, provider_user, qualified_buyer

pytestmark = pytest.mark.django_db
CAT = ServiceCategory.DIGITAL_EMPOWERMENT


@pytest.fixture
def capped(set_clock):
    """A provider whose 2026 cap is 1000.00; two buyers with 1000 vouchers and rated orders of 2000."""
    set_clock("2026-06-01T09:00:00+08:00")
    PolicyYear.objects.filter(year=2026).update(provider_annual_cap=Decimal("1000.00"))
    provider = provider_user()
    batch = open_batch(types=((CAT, "1000.00", 10),))
    buyers = []
    for _ in range(2):
        buyer = qualified_buyer(quota="5000.00")
        buyers.append((buyer, claimed_voucher(buyer, batch), order_in_state(buyer, provider, "rated", amount="2000.00")))
    return {"provider": provider, "buyers": buyers, "batch": batch}


def _deduct(entry, amount):
    buyer, voucher, order = entry
    return deduction_apply(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount=amount,
                           declares_no_other_subsidy=True)


def _refusal(call, *args):
    with pytest.raises(DomainError) as excinfo:
        call(*args)
    return excinfo.value


def test_one_cent_over_the_providers_headroom_is_refused_with_the_headroom(capped):
    first, second = capped["buyers"]
    _deduct(first, "600.00")
    # 0.01 over what is left (400.00): refused before any money moves, the headroom stated
    buyer, voucher, order = second
    with pytest.raises(DomainError) as excinfo:
        deduction_check(actor=buyer, order_id=order.pk, voucher_id=voucher.pk, amount="400.01",
                        declares_no_other_subsidy=True)
    error = excinfo.value
    assert error.code == "provider_cap_exceeded"
    assert error.fields["remaining"] == ["400.00"] and "400.00" in error.detail
    fund_before = Fund.objects.get(year=2026).deducted
    assert _refusal(_deduct, second, "400.01").code == "provider_cap_exceeded"
    assert Fund.objects.get(year=2026).deducted == fund_before
    # exactly the headroom passes; the counter equals Σ deductions and the cap
    _deduct(second, "400.00")
    counter = ProviderServiceYear.objects.get(provider=capped["provider"].organisation, year=2026)
    assert counter.deducted == counter.cap == Decimal("1000.00")
    assert sum(Deduction.objects.values_list("amount", flat=True)) == Decimal("1000.00")


def test_0_01_under_the_cap_leaves_headroom_and_the_quote_shows_the_limit(capped):
    first, second = capped["buyers"]
    _deduct(first, "999.99")
    order = second[2]
    cap = deduction_cap(order=order)
    assert any("兑付上限剩余" in reason and amount == Decimal("0.01") for reason, amount in cap.limits)
    assert cap.maximum == Decimal("0.01")
    _deduct(second, "0.01")


def test_an_order_with_a_provider_whose_year_is_full_is_refused_before_signing(capped):
    first, second = capped["buyers"]
    _deduct(first, "1000.00")
    with pytest.raises(DomainError) as excinfo:
        order_in_state(qualified_buyer(), capped["provider"], "signed", amount="2000.00")
    assert excinfo.value.code == "provider_cap_exceeded"
    assert "请选择其他服务机构" in excinfo.value.detail


def test_the_cap_counts_by_service_year_dec_31_and_jan_1(set_clock):
    # given: a provider with a cap of 1000.00 in 2026 and 2027
    set_clock("2026-12-31T23:00:00+08:00")
    PolicyYear.objects.get_or_create(year=2027)
    PolicyYear.objects.filter(year__in=(2026, 2027)).update(provider_annual_cap=Decimal("1000.00"))
    provider = provider_user()
    buyer = qualified_buyer(quota="5000.00")
    batch = open_batch(types=((CAT, "1000.00", 10),), closes="2026-12-31 23:59")
    december = (buyer, claimed_voucher(buyer, batch), order_in_state(buyer, provider, "rated", amount="2000.00"))
    # when: 1000.00 deducted on 31 December
    _deduct(december, "1000.00")
    # then: the 2026 year is full, 2027 untouched
    assert ProviderServiceYear.objects.get(year=2026).deducted == Decimal("1000.00")
    assert not ProviderServiceYear.objects.filter(year=2027).exists()
    # and on 1 January the provider has the new year's full cap
    set_clock("2027-01-01T09:00:00+08:00")
    buyer27 = qualified_buyer(quota="5000.00", year=2027)
    batch27 = open_batch(year=2027, opens="2027-01-01 08:00", closes="2027-06-30 17:00",
                         types=((CAT, "1000.00", 10),))
    january = (buyer27, claimed_voucher(buyer27, batch27), order_in_state(buyer27, provider, "rated",
                                                                           amount="2000.00"))
    _deduct(january, "1000.00")
    assert ProviderServiceYear.objects.get(year=2027).deducted == Decimal("1000.00")


def test_the_order_page_refuses_a_full_provider_before_signing_in_chinese(capped, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from providers.models import Product

    from .money_factories import PDF

    first, _ = capped["buyers"]
    _deduct(first, "1000.00")
    buyer = qualified_buyer()
    product = Product.objects.filter(provider=capped["provider"].organisation).first()
    client.force_login(buyer)
    response = client.post("/vouchers/orders/new/", {
        "product": product.pk, "amount": "2000.00", "contract": SimpleUploadedFile("合同.pdf", PDF, "application/pdf")})
    text = response.content.decode()
    assert "超过服务机构" in text and "请选择其他服务机构" in text
