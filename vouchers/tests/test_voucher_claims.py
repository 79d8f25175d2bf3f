"""Claims (领券), first come first served: each rule at its boundary, and nothing changes on a refusal."""
from decimal import Decimal

import pytest

from hangqifu.accounts.roles import Role
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from vouchers.models import LedgerEntry, Voucher, VoucherType
from vouchers.services.voucher_claims import voucher_claim

from .money_factories import claimed_voucher, open_batch, qualification_of, qualified_buyer

pytestmark = pytest.mark.django_db
OPEN_TIME = "2026-06-01T09:00:00+08:00"


def _claim(user, batch, voucher_type=None):
    voucher_type = voucher_type or batch.voucher_types.first()
    return voucher_claim(actor=user, batch_id=batch.pk, voucher_type_id=voucher_type.pk)


def _refused(code, user, batch, voucher_type=None):
    before = (Voucher.objects.count(), LedgerEntry.objects.count(),
              list(VoucherType.objects.values_list("remaining", flat=True).order_by("pk")))
    with pytest.raises(DomainError) as excinfo:
        _claim(user, batch, voucher_type)
    assert excinfo.value.code == code
    after = (Voucher.objects.count(), LedgerEntry.objects.count(),
             list(VoucherType.objects.values_list("remaining", flat=True).order_by("pk")))
    assert after == before, "a refused claim changes nothing"
    return excinfo.value


def test_claim_issues_a_live_voucher_reserves_quota_takes_a_slot_and_writes_the_ledger(set_clock):
    # given
    set_clock(OPEN_TIME)
    buyer = qualified_buyer(quota="5000.00")
    batch = open_batch(types=((ServiceCategory.LEGAL, "2000.00", 3),))
    # when
    voucher = _claim(buyer, batch)
    # then
    assert (voucher.state, voucher.balance, voucher.face_value, voucher.category) == (
        "live", Decimal("2000.00"), Decimal("2000.00"), ServiceCategory.LEGAL)
    assert voucher.expires_on.isoformat() == "2026-12-31"
    assert voucher.organisation_id == buyer.organisation_id
    assert batch.voucher_types.get().remaining == 2
    qualification = qualification_of(buyer)
    assert (qualification.used, qualification.reserved) == (Decimal("0.00"), Decimal("2000.00"))
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.voucher_id) == ("claim", Decimal("2000.00"), voucher.pk)


def test_claim_before_opening_and_after_closing_is_batch_not_open(set_clock):
    buyer = qualified_buyer()
    batch = open_batch(opens="2026-06-01 09:00", closes="2026-06-30 17:00")
    set_clock("2026-06-01T08:59:59+08:00")
    _refused("batch_not_open", buyer, batch)
    set_clock("2026-06-01T09:00:00+08:00")
    assert _claim(buyer, batch).state == "live"
    set_clock("2026-06-30T17:00:00+08:00")
    _refused("batch_not_open", buyer, batch)


def test_a_draft_or_closed_batch_refuses_claims(set_clock):
    set_clock(OPEN_TIME)
    buyer = qualified_buyer()
    with pytest.raises(DomainError) as excinfo:
        _claim(buyer, open_batch(state="draft"))
    assert excinfo.value.code == "not_found"
    _refused("batch_not_open", buyer, open_batch(state="closed"))


def test_the_last_slot_can_be_claimed_and_then_the_type_is_exhausted(set_clock):
    set_clock(OPEN_TIME)
    batch = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 1),))
    first, second = qualified_buyer(), qualified_buyer()
    assert _claim(first, batch).state == "live"
    _refused("batch_exhausted", second, batch)


def test_headroom_exactly_the_face_value_is_enough_one_fen_short_is_quota_exceeded(set_clock):
    set_clock(OPEN_TIME)
    batch = open_batch(types=((ServiceCategory.LEGAL, "2500.00", 10),))
    exact = qualified_buyer(quota="5000.00")
    _claim(exact, batch)
    _claim(exact, batch)  # 5000 of 5000 reserved
    _refused("quota_exceeded", exact, batch)
    short = qualified_buyer(quota="2499.99")
    error = _refused("quota_exceeded", short, batch)
    assert "2499.99" in error.detail


def test_no_suspended_or_revoked_qualification_is_not_eligible(set_clock):
    set_clock(OPEN_TIME)
    batch = open_batch()
    from hangqifu.accounts.tests.factories import UserFactory

    _refused("not_eligible", UserFactory(role=Role.ENTERPRISE), batch)
    _refused("not_eligible", qualified_buyer(state="suspended"), batch)
    _refused("not_eligible", qualified_buyer(state="revoked"), batch)
    _refused("not_eligible", qualified_buyer(year=2025), batch)


def test_only_enterprises_and_parks_claim(set_clock, make_user):
    set_clock(OPEN_TIME)
    batch = open_batch()
    with pytest.raises(DomainError) as excinfo:
        _claim(make_user(role=Role.PROVIDER), batch)
    assert excinfo.value.code == "permission_denied"
    park = qualified_buyer(role=Role.PARK)
    assert _claim(park, batch).organisation_id == park.organisation_id


def test_an_exhausted_fund_stops_claims(set_clock):
    set_clock(OPEN_TIME)
    from vouchers.models import Fund

    batch = open_batch()
    Fund.objects.filter(year=2026).update(exhausted_at="2026-05-20T09:00:00+08:00")
    _refused("fund_exhausted", qualified_buyer(), batch)


def test_a_type_of_another_batch_is_invalid(set_clock):
    set_clock(OPEN_TIME)
    batch, other = open_batch(), open_batch()
    with pytest.raises(DomainError) as excinfo:
        _claim(qualified_buyer(), batch, other.voucher_types.first())
    assert excinfo.value.code == "invalid"


def test_a_banned_organisation_cannot_claim(set_clock):
    set_clock(OPEN_TIME)
    from sanctions.models import Sanction

    buyer = qualified_buyer()
    Sanction.objects.create(organisation=buyer.organisation, reason="骗取补助", ban_years=3,
                            starts_on="2026-01-01", ends_on="2028-12-31", decided_by=qualified_buyer(),
                            decided_at="2026-01-01T09:00:00+08:00")
    _refused("banned", buyer, open_batch())


def test_claimed_vouchers_count_against_later_claims_of_other_batches(set_clock):
    set_clock(OPEN_TIME)
    buyer = qualified_buyer(quota="3000.00")
    claimed_voucher(buyer, open_batch(types=((ServiceCategory.LEGAL, "2000.00", 5),)))
    _refused("quota_exceeded", buyer, open_batch(types=((ServiceCategory.TALENT, "1500.00", 5),)))
