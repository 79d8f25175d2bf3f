"""Deductions (抵扣): each rule at its boundary, including one fen over; a refusal changes nothing."""
from decimal import Decimal

import pytest

from hangqifu.audit.models import AuditEvent
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from vouchers.models import Deduction, Fund, LedgerEntry, Order, Voucher
from vouchers.services.deductions import deduction_apply, deduction_check

from .money_factories import (claimed_voucher, order_in_state, qualification_of,
                              qualified_buyer, voucher_and_rated_order)

pytestmark = pytest.mark.django_db
CAT = ServiceCategory.DIGITAL_EMPOWERMENT


@pytest.fixture
def world(set_clock):
    """A buyer (quota 5000) holding a 5000 voucher of CAT, and a rated order of 10000 of CAT."""
    set_clock("2026-06-01T09:00:00+08:00")
    return voucher_and_rated_order(voucher_types=((CAT, "5000.00", 10), (ServiceCategory.LEGAL, "1000.00", 10)))


def _deduct(world, amount, *, voucher=None, order=None, declares=True, actor=None):
    return deduction_apply(actor=actor or world["buyer"], order_id=(order or world["order"]).pk,
                           voucher_id=(voucher or world["voucher"]).pk, amount=amount,
                           declares_no_other_subsidy=declares)


def _snapshot():
    return (Deduction.objects.count(), LedgerEntry.objects.count(),
            list(Voucher.objects.values_list("balance", "state").order_by("pk")),
            list(Fund.objects.values_list("deducted", flat=True)),
            list(Order.objects.values_list("state", flat=True).order_by("pk")))


def _refused(code, world, amount, **kwargs):
    before = _snapshot()
    with pytest.raises(DomainError) as excinfo:
        _deduct(world, amount, **kwargs)
    assert excinfo.value.code == code, excinfo.value.detail
    assert _snapshot() == before, "a refused deduction changes nothing"
    return excinfo.value


def test_a_deduction_moves_voucher_quota_fund_order_and_ledger_together(world):
    # when
    deduction = _deduct(world, "5000.00")
    # then
    assert (deduction.amount, deduction.order_amount, deduction.ratio) == (
        Decimal("5000.00"), Decimal("10000.00"), Decimal("0.500"))
    voucher = Voucher.objects.get(pk=world["voucher"].pk)
    assert (voucher.balance, voucher.state) == (Decimal("0.00"), "used_up")
    qualification = qualification_of(world["buyer"])
    assert (qualification.used, qualification.reserved) == (Decimal("5000.00"), Decimal("0.00"))
    assert Fund.objects.get(year=2026).deducted == Decimal("5000.00")
    assert Order.objects.get(pk=world["order"].pk).state == "deducted"
    entry = LedgerEntry.objects.get(kind="deduction")
    assert (entry.amount, entry.order_id, entry.voucher_id, entry.deduction_id) == (
        Decimal("5000.00"), world["order"].pk, voucher.pk, deduction.pk)


def test_exactly_half_is_allowed_one_fen_over_is_deduction_over_ratio(world, set_clock):
    order = order_in_state(world["buyer"], world["provider"], "rated", amount="3333.33")
    error = _refused("deduction_over_ratio", world, "1666.67", order=order)
    assert "1666.66" in error.detail
    assert _deduct(world, "1666.66", order=order).amount == Decimal("1666.66")


def test_partial_use_keeps_the_voucher_live_for_another_order(world):
    _deduct(world, "3000.00")
    voucher = Voucher.objects.get(pk=world["voucher"].pk)
    assert (voucher.balance, voucher.state) == (Decimal("2000.00"), "live")
    second = order_in_state(world["buyer"], world["provider"], "rated", amount="10000.00")
    _refused("balance_exceeded", world, "2000.01", order=second)
    assert _deduct(world, "2000.00", order=second).amount == Decimal("2000.00")


def test_deducting_before_rating_is_not_rated(world):
    for state in ("signed", "completed"):
        order = order_in_state(world["buyer"], world["provider"], state)
        _refused("not_rated", world, "100.00", order=order)


def test_a_second_deduction_of_the_same_order_is_refused(world):
    _deduct(world, "1000.00")
    _refused("already_deducted", world, "1000.00")


def test_without_the_declaration_it_is_duplicate_subsidy(world):
    _refused("duplicate_subsidy", world, "100.00", declares=False)


@pytest.mark.parametrize("amount", ["-1.00", "0", "0.00", "abc", "", "1.001"])
def test_negative_zero_non_numeric_and_sub_fen_amounts_are_invalid(world, amount):
    _refused("invalid", world, amount)


def test_category_mismatch_is_refused(world):
    legal = claimed_voucher(qualified_buyer(), world["batch"], world["batch"].voucher_types.get(
        category=ServiceCategory.LEGAL))
    own_legal_buyer = legal.organisation.users.first()
    order = order_in_state(own_legal_buyer, world["provider"], "rated")
    with pytest.raises(DomainError) as excinfo:
        deduction_apply(actor=own_legal_buyer, order_id=order.pk, voucher_id=legal.pk, amount="100.00",
                        declares_no_other_subsidy=True)
    assert excinfo.value.code == "category_mismatch"


def test_an_expired_or_voided_voucher_is_voucher_expired(world, set_clock):
    set_clock("2027-01-01T09:00:00+08:00")  # past 31 December, before the expiry job ran
    _refused("voucher_expired", world, "100.00")
    set_clock("2026-06-01T09:00:00+08:00")
    Voucher.objects.filter(pk=world["voucher"].pk).update(state="voided")
    _refused("voucher_expired", world, "100.00")


def test_the_whole_quota_can_be_deducted_and_not_a_fen_more(world):
    """Claims reserve the quota (used + reserved <= quota, a CHECK), so a deduction from a claimed balance always
    fits; once the quota is deducted nothing more can be claimed, and the database refuses used > quota."""
    from django.db import IntegrityError, transaction
    from django.db.models import F

    from registration.models import Qualification
    from vouchers.services.voucher_claims import voucher_claim

    _deduct(world, "5000.00")
    qualification = qualification_of(world["buyer"])
    assert (qualification.used, qualification.quota) == (Decimal("5000.00"), Decimal("5000.00"))
    with pytest.raises(DomainError) as excinfo:
        voucher_claim(actor=world["buyer"], batch_id=world["batch"].pk,
                      voucher_type_id=world["batch"].voucher_types.get(category=ServiceCategory.LEGAL).pk)
    assert excinfo.value.code == "quota_exceeded"
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.filter(pk=qualification.pk).update(used=F("used") + Decimal("0.01"))


def test_a_deduction_over_the_funds_remainder_is_refused_with_the_remainder_and_voids_nothing(
        world, django_capture_on_commit_callbacks):
    # given: the fund has 1000.00 left
    Fund.objects.filter(year=2026).update(total=Decimal("1000.00"))
    other = claimed_voucher(qualified_buyer(), world["batch"])
    # when: 0.01 over the remainder
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as excinfo:
        _deduct(world, "1000.01")
    # then: refused, stating the remainder; the fund stays open and no voucher is voided (用完为止)
    assert excinfo.value.code == "fund_remainder_exceeded"
    assert "1,000.00" in excinfo.value.detail or "1000.00" in excinfo.value.detail
    assert excinfo.value.fields["remainder"] == ["1000.00"]
    assert Deduction.objects.count() == 0
    assert Fund.objects.get(year=2026).exhausted_at is None
    assert set(Voucher.objects.values_list("state", flat=True)) == {"live"}
    assert LedgerEntry.objects.filter(kind="void").count() == 0
    assert other.pk


def test_the_deduction_that_spends_the_last_cent_exhausts_the_fund_and_voids_the_years_unused_vouchers(
        world, django_capture_on_commit_callbacks):
    # given: 1000.00 left and another holder's live voucher
    Fund.objects.filter(year=2026).update(total=Decimal("1000.00"))
    claimed_voucher(qualified_buyer(), world["batch"])
    # when: the remainder exactly
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _deduct(world, "1000.00")
    # then: the fund is exhausted (cause: remainder zero) and the voiding ran after commit
    fund = Fund.objects.get(year=2026)
    assert (fund.available, fund.exhaustion_cause) == (Decimal("0.00"), "remainder_zero")
    assert fund.exhausted_at is not None and callbacks
    assert set(Voucher.objects.exclude(state="used_up").values_list("state", flat=True)) == {"voided"}
    assert LedgerEntry.objects.filter(kind="void").count() == Voucher.objects.filter(state="voided").count() >= 1
    assert AuditEvent.objects.filter(action="fund.exhausted", payload__cause="remainder_zero").count() == 1
    # and a later deduction of the year is refused as exhausted
    with pytest.raises(DomainError) as excinfo:
        deduction_check(actor=world["buyer"], order_id=world["order"].pk, voucher_id=world["voucher"].pk,
                        amount="0.01", declares_no_other_subsidy=True)
    assert excinfo.value.code in ("fund_exhausted", "already_deducted")


def test_exactly_the_remaining_fund_is_allowed_and_0_01_under_leaves_the_year_open(world):
    Fund.objects.filter(year=2026).update(total=Decimal("1000.00"))
    assert _deduct(world, "999.99").amount == Decimal("999.99")
    fund = Fund.objects.get(year=2026)
    assert (fund.available, fund.exhausted_at) == (Decimal("0.01"), None)
    assert Voucher.objects.filter(state="voided").count() == 0


def test_someone_elses_order_is_not_found_and_the_provider_may_not_deduct(world):
    stranger = qualified_buyer()
    with pytest.raises(DomainError) as excinfo:
        _deduct(world, "100.00", actor=stranger)
    assert excinfo.value.code == "not_found"
    with pytest.raises(DomainError) as excinfo:
        _deduct(world, "100.00", actor=world["provider"])
    assert excinfo.value.code == "permission_denied"


def test_someone_elses_voucher_cannot_be_used(world):
    stranger = qualified_buyer()
    foreign = claimed_voucher(stranger, world["batch"], world["batch"].voucher_types.get(category=CAT))
    _refused("invalid", world, "100.00", voucher=foreign)


def test_the_database_refuses_a_deduction_over_the_ratio_even_if_python_does_not_check():
    """CHECK amount <= order_amount * ratio (a bug in Python cannot overspend)."""
    from django.db import IntegrityError, transaction

    from hangqifu.accounts.tests.factories import UserFactory

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Deduction.objects.create(order_id=1, voucher_id=1, organisation_id=user.organisation_id, qualification_id=1,
                                 fund_id=1, year=2026, amount=Decimal("5000.01"), order_amount=Decimal("10000.00"),
                                 ratio=Decimal("0.500"), declares_no_other_subsidy=True, created_by=user,
                                 created_at="2026-06-01T09:00:00+08:00")
