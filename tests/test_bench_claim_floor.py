"""The claim floor (bench/claim_floor.py) says how far the claim's own benchmark target is from what the claim's
parts allow only while it does at least what a winning claim does: the same rows written (voucher, ledger entry,
headroom, slot, audit event), the same 201 body, the claim's refusal codes, and the sold-out flag raised only when
the slot is gone. Each test runs the real claim and the floor side by side or checks one refusal."""
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory, force_authenticate

from bench.claim_floor import FloorClaimApi, floor_claim
from hangqifu.accounts.roles import Role
from hangqifu.audit.models import AuditEvent
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from registration.models import Qualification
from vouchers.models import Fund, IssuanceBatch, LedgerEntry, Voucher, VoucherType
from vouchers.services import voucher_claim_cache
from vouchers.services.ledger import ledger_verify
from vouchers.services.voucher_claims import voucher_claim
from vouchers.tests.money_factories import open_batch, qualification_of, qualified_buyer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]  # data-modifying WITH: PostgreSQL's

VOUCHER_FIELDS = ("batch_id", "voucher_type_id", "year", "category", "face_value", "balance", "expires_on", "state",
                  "claimed_at", "ended_at", "end_reason")
ENTRY_FIELDS = ("kind", "year", "amount", "fund_id", "order_id", "deduction_id", "reference", "memo",
                "business_time")
BOTH = pytest.mark.parametrize("with_audit", [True, False], ids=["with_audit", "without_audit"])


@pytest.fixture
def voucher_type(policy_day):
    return open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),)).voucher_types.get()


def _floor(user, voucher_type, with_audit=True):
    return floor_claim(actor=user, batch_id=voucher_type.batch_id, voucher_type_id=voucher_type.pk,
                       with_audit=with_audit)


def _events(voucher):
    return AuditEvent.objects.filter(action="voucher.claim", object_id=str(voucher.pk))


def _written(voucher: Voucher) -> dict:
    entry = LedgerEntry.objects.get(voucher=voucher)
    return {"voucher": {name: getattr(voucher, name) for name in VOUCHER_FIELDS},
            "entry": {name: getattr(entry, name) for name in ENTRY_FIELDS},
            "reserved": qualification_of(voucher.claimed_by).reserved}


def _owners(voucher: Voucher) -> set:
    entry = LedgerEntry.objects.get(voucher=voucher)
    return {voucher.organisation_id, voucher.claimed_by.organisation_id, voucher.qualification.organisation_id,
            entry.organisation_id, entry.actor.organisation_id, *_events(voucher).values_list("organisation_id",
                                                                                               flat=True)}


@BOTH
def test_the_floor_writes_what_a_winning_claim_writes(voucher_type, with_audit):
    first, second = qualified_buyer(), qualified_buyer()

    claimed = voucher_claim(actor=first, batch_id=voucher_type.batch_id, voucher_type_id=voucher_type.pk)
    floored = _floor(second, voucher_type, with_audit)

    claimed, floored = Voucher.objects.get(pk=claimed.pk), Voucher.objects.get(pk=floored.pk)
    assert _written(floored) == _written(claimed)
    assert _written(floored)["reserved"] == Decimal("1000.00")
    assert (_owners(claimed), _owners(floored)) == ({first.organisation_id}, {second.organisation_id})
    event = _events(claimed).values("object_type", "from_state", "to_state", "payload", "actor_id", "business_time")
    if with_audit:
        assert list(_events(floored).values("object_type", "from_state", "to_state", "payload", "business_time")) == \
            [{k: v for k, v in event.get().items() if k != "actor_id"}]
        assert _events(floored).get().actor_id == second.pk
    else:
        assert not _events(floored).exists()
    assert VoucherType.objects.get(pk=voucher_type.pk).remaining == 3
    assert ledger_verify().ok


@BOTH
def test_the_last_slot_raises_the_sold_out_flag_after_its_commit(voucher_type, with_audit,
                                                                 django_capture_on_commit_callbacks):
    VoucherType.objects.filter(pk=voucher_type.pk).update(remaining=1)
    with django_capture_on_commit_callbacks(execute=True):
        _floor(qualified_buyer(), voucher_type, with_audit)
    assert voucher_claim_cache.sold_out(voucher_type.pk)


def _refused(user, voucher_type, with_audit) -> str:
    with pytest.raises(DomainError) as refused:
        _floor(user, voucher_type, with_audit)
    assert not Voucher.objects.exists() and not LedgerEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="voucher.claim").exists()
    return refused.value.code


@BOTH
def test_a_slot_gone_after_the_reservation_rolls_it_back_and_raises_the_flag(voucher_type, with_audit):
    VoucherType.objects.filter(pk=voucher_type.pk).update(remaining=0)  # taken by a claim the snapshot never saw
    buyer = qualified_buyer()
    assert _refused(buyer, voucher_type, with_audit) == "batch_exhausted"
    assert qualification_of(buyer).reserved == Decimal("0.00")
    assert voucher_claim_cache.sold_out(voucher_type.pk)


@BOTH
@pytest.mark.parametrize("refusal, code", [
    ("no_headroom", "quota_exceeded"), ("suspended", "not_eligible"), ("batch_closed", "batch_not_open"),
    ("fund_exhausted", "fund_exhausted"),
])
def test_a_refusal_answers_the_claims_code_and_leaves_the_flag_down(voucher_type, with_audit, refusal, code):
    buyer = qualified_buyer(quota="500.00" if refusal == "no_headroom" else "5000.00")
    if refusal == "suspended":
        Qualification.objects.filter(organisation=buyer.organisation).update(state=Qualification.State.SUSPENDED)
    if refusal == "batch_closed":
        IssuanceBatch.objects.filter(pk=voucher_type.batch_id).update(state=IssuanceBatch.State.CLOSED)
    if refusal == "fund_exhausted":
        Fund.objects.filter(year=2026).update(exhausted_at=timezone.now())

    assert _refused(buyer, voucher_type, with_audit) == code
    assert qualification_of(buyer).reserved == Decimal("0.00")
    assert VoucherType.objects.get(pk=voucher_type.pk).remaining == 5
    assert not voucher_claim_cache.sold_out(voucher_type.pk)


def test_staff_are_refused_as_by_the_claim(voucher_type, make_user):
    with pytest.raises(DomainError) as refused:
        _floor(make_user(role=Role.SERVICE_CENTER), voucher_type)
    assert refused.value.status == 403
    assert not voucher_claim_cache.sold_out(voucher_type.pk)


def test_the_floor_answers_the_claim_apis_201_body(voucher_type, api_as):
    first, second = qualified_buyer(), qualified_buyer()
    body = {"voucher_type": voucher_type.pk}

    real = api_as(first).post(f"/api/v1/batches/{voucher_type.batch_id}/claim/", body, format="json")
    request = APIRequestFactory().post(f"/api/v1/batches/{voucher_type.batch_id}/claim/", body, format="json")
    force_authenticate(request, user=second)
    floor = FloorClaimApi.as_view()(request, pk=voucher_type.batch_id)

    assert (real.status_code, floor.status_code) == (201, 201)
    differ = {"id", "number", "organisation"}
    assert {k: v for k, v in floor.data.items() if k not in differ} == \
        {k: v for k, v in real.json().items() if k not in differ}
    assert floor.data["organisation"] == second.organisation_id
