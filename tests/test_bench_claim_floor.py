"""The claim floor (bench/claim_floor.py) bounds the claim's own benchmark target only while it does at least what a
winning claim does: the same rows written (voucher, ledger entry, headroom, slot, audit event) and the same 201 body.
Each test runs the real claim and the floor side by side and compares what they wrote and answered."""
from decimal import Decimal

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from bench.claim_floor import FloorClaimApi, floor_claim
from hangqifu.audit.models import AuditEvent
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.errors import DomainError
from vouchers.models import LedgerEntry, Voucher, VoucherType
from vouchers.services.ledger import ledger_verify
from vouchers.services.voucher_claims import voucher_claim
from vouchers.tests.money_factories import open_batch, qualification_of, qualified_buyer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]  # one statement with data-modifying WITH: PostgreSQL's

VOUCHER_FIELDS = ("batch_id", "voucher_type_id", "year", "category", "face_value", "balance", "expires_on", "state",
                  "claimed_at", "ended_at", "end_reason")
ENTRY_FIELDS = ("kind", "year", "amount", "fund_id", "order_id", "deduction_id", "reference", "memo",
                "business_time")


def _written(voucher: Voucher) -> dict:
    entry = LedgerEntry.objects.get(voucher=voucher)
    event = AuditEvent.objects.get(action="voucher.claim", object_id=str(voucher.pk))
    return {"voucher": {name: getattr(voucher, name) for name in VOUCHER_FIELDS},
            "entry": {name: getattr(entry, name) for name in ENTRY_FIELDS},
            "event": (event.object_type, event.from_state, event.to_state, event.payload),
            "reserved": qualification_of(voucher.claimed_by).reserved}


def _owners(voucher: Voucher) -> set:
    entry = LedgerEntry.objects.get(voucher=voucher)
    event = AuditEvent.objects.get(action="voucher.claim", object_id=str(voucher.pk))
    return {voucher.organisation_id, voucher.claimed_by.organisation_id, voucher.qualification.organisation_id,
            entry.organisation_id, entry.actor.organisation_id, event.organisation_id}


def test_the_floor_writes_what_a_winning_claim_writes(policy_day):
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),)).voucher_types.get()
    first, second = qualified_buyer(), qualified_buyer()

    claimed = voucher_claim(actor=first, batch_id=voucher_type.batch_id, voucher_type_id=voucher_type.pk)
    floored = floor_claim(actor=second, batch_id=voucher_type.batch_id, voucher_type_id=voucher_type.pk)

    claimed, floored = Voucher.objects.get(pk=claimed.pk), Voucher.objects.get(pk=floored.pk)
    assert _written(floored) == _written(claimed)
    assert (_owners(claimed), _owners(floored)) == ({first.organisation_id}, {second.organisation_id})
    assert _written(floored)["reserved"] == Decimal("1000.00")
    assert VoucherType.objects.get(pk=voucher_type.pk).remaining == 3
    assert ledger_verify().ok


def test_the_floor_refuses_when_a_step_matches_nothing(policy_day):
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),)).voucher_types.get()
    short = qualified_buyer(quota="500.00")  # no headroom for the face value: nothing may be written

    with pytest.raises(DomainError) as refused:
        floor_claim(actor=short, batch_id=voucher_type.batch_id, voucher_type_id=voucher_type.pk)

    assert refused.value.code == "batch_exhausted"
    assert not Voucher.objects.exists() and not LedgerEntry.objects.exists()
    assert qualification_of(short).reserved == Decimal("0.00")
    assert VoucherType.objects.get(pk=voucher_type.pk).remaining == 5


def test_the_floor_answers_the_claim_apis_201_body(policy_day, api_as):
    voucher_type = open_batch(types=((ServiceCategory.LEGAL, "1000.00", 5),)).voucher_types.get()
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
