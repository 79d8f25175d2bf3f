"""The claim floor: a claim built from the claim API's own parts with its writes in as few SQL statements as they
fit, for the claim rush's last ceiling. Bench only; the portal never routes to it (bench/claim_floor_wsgi.py
mounts it for one run on its own database copy).

It answers at the real claim URL, so the admission middleware, token authentication, throttles, the input
serializer, the idempotency wrapper, the claim's cached snapshot of type, batch and fund, and the 201 body
(VoucherOutput) all run as for a claim, and it writes the rows a winning claim writes, in the claim's lock order
(the slot, the hot row, last): without the audit append, everything in ONE statement; with it, the other writes in
one statement, the audit append, then the slot. What it leaves out is every read of the claim's rules before its
writes (the ban, the credit lists, the programme's period, the qualification shown as a reason); a refusal reads
what it needs to answer with the claim's code. Its claims/s over the DRF no-op's requests/s says how far the
claim's own target is from what today's parts allow (bench/analysis.md).
tests/test_bench_claim_floor.py checks it writes and answers what the real claim does."""
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.models import Organisation
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.api import idempotent
from hangqifu.core.errors import NotPermitted, RuleViolation
from registration.models import Qualification
from vouchers import permissions as perms
from vouchers.apis.voucher_claims import VoucherClaimApi, VoucherOutput
from vouchers.models.funds import IssuanceBatch
from vouchers.models.vouchers import Voucher
from vouchers.services import voucher_claim_cache, voucher_claims
from vouchers.statements import take_slot

# Each step only when the one before it matched a row; one row back, always: whether the fund is open and the
# headroom was reserved (for a refusal), what the slot left and the voucher written.
_STEPS = """
WITH fund AS (SELECT 1 FROM vouchers_fund WHERE year = %(year)s AND exhausted_at IS NULL FOR KEY SHARE),
batch AS (
  SELECT 1 FROM vouchers_issuancebatch
   WHERE id = %(batch)s AND state = 'open' AND opens_at <= %(now)s AND closes_at > %(now)s FOR KEY SHARE),
reserved AS (
  UPDATE vouchers_qualification SET reserved = reserved + %(face)s
   WHERE organisation_id = %(organisation)s AND year = %(year)s AND state = 'active'
     AND quota >= used + reserved + %(face)s AND EXISTS (SELECT 1 FROM fund) AND EXISTS (SELECT 1 FROM batch)
  RETURNING id),{slot}
voucher AS (
  INSERT INTO vouchers_voucher (organisation_id, qualification_id, batch_id, voucher_type_id, year, category,
      face_value, balance, expires_on, state, claimed_at, claimed_by_id, ended_at, end_reason)
  SELECT %(organisation)s, reserved.id, %(batch)s, %(voucher_type)s, %(year)s, %(category)s, %(face)s, %(face)s,
      %(expires_on)s, 'live', %(now)s, %(actor)s, NULL, '' FROM {voucher_from} RETURNING id, qualification_id),
entry AS (
  INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
      reference, memo, actor_id, business_time, recorded_at)
  SELECT 'claim', %(year)s, %(face)s, %(organisation)s, %(fund)s, voucher.id, NULL, NULL, '', %(memo)s, %(actor)s,
      %(now)s, %(recorded_at)s FROM voucher RETURNING 1)
SELECT EXISTS (SELECT 1 FROM fund), EXISTS (SELECT 1 FROM reserved), {left},
       (SELECT id FROM voucher), (SELECT qualification_id FROM voucher), (SELECT count(*) FROM entry)"""
# Without the audit append: the slot in the same statement (its lock held from there to COMMIT, as the claim's).
ONE_STATEMENT = _STEPS.format(slot="""
slot AS (
  UPDATE vouchers_vouchertype SET remaining = remaining - 1
   WHERE id = %(voucher_type)s AND remaining > 0 AND EXISTS (SELECT 1 FROM reserved) RETURNING remaining),""",
                              voucher_from="reserved, slot", left="(SELECT remaining FROM slot)")
# With it: the slot comes after the audit append, in its own statement (vouchers.statements.take_slot), as the claim.
BEFORE_THE_SLOT = _STEPS.format(slot="", voucher_from="reserved", left="NULL")


def _refusal(*, fund_open: bool, actor, voucher_type, now) -> RuleViolation:
    """The refusal the claim would give, by the claim's own rule (voucher_claim_refusal) on the batch and the
    qualification as they are now: read only on the refusal path, never by a winner."""
    batch = IssuanceBatch.objects.get(pk=voucher_type.batch_id)
    qualification = Qualification.objects.filter(organisation_id=actor.organisation_id, year=batch.year).first()
    return (voucher_claims.voucher_claim_refusal(batch=batch, voucher_type=voucher_type, qualification=qualification,
                                                 fund_open=fund_open, now=now)
            or voucher_claims._batch_exhausted())  # the slot went after the snapshot was read


def floor_claim(*, actor, batch_id: int, voucher_type_id: int, with_audit: bool = True) -> Voucher:
    if not perms.is_buyer(actor):
        raise NotPermitted("只有已认定的企业或小微企业园可以领取服务券")
    voucher_type = voucher_claims._voucher_type_of(batch_id, voucher_type_id)  # the claim's cached snapshot
    batch, face, now = voucher_type.batch, voucher_type.face_value, clock.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(BEFORE_THE_SLOT if with_audit else ONE_STATEMENT, {
                "year": batch.year, "batch": batch.pk, "now": now, "face": face, "organisation": actor.organisation_id,
                "voucher_type": voucher_type.pk, "category": voucher_type.category, "expires_on": batch.valid_until,
                "actor": actor.pk, "fund": voucher_type.fund_pk, "memo": f"{batch.title} 领券"[:200],
                "recorded_at": timezone.now()})
            fund_open, reserved, left, voucher_id, qualification_id, entries = cursor.fetchone()
        if voucher_id is None:
            if reserved:  # reserved, but the slot was gone (rolled back with the reservation)
                voucher_claim_cache.mark_sold_out(voucher_type.pk)
            raise _refusal(fund_open=fund_open, actor=actor, voucher_type=voucher_type, now=now)
        assert entries == 1
        voucher = Voucher(pk=voucher_id, organisation_id=actor.organisation_id, qualification_id=qualification_id,
                          batch_id=batch.pk, voucher_type_id=voucher_type.pk, year=batch.year,
                          category=voucher_type.category, face_value=face, balance=face, expires_on=batch.valid_until,
                          claimed_at=now, claimed_by_id=actor.pk, ended_at=None, end_reason="")
        voucher.qualification = Qualification(pk=qualification_id, state=Qualification.State.ACTIVE)
        if with_audit:
            audit_record(actor=actor, action="voucher.claim", obj=voucher, to_state=Voucher.State.LIVE,
                         organisation=Organisation(pk=actor.organisation_id),
                         payload={"batch": batch.pk, "voucher_type": voucher_type.pk, "category": voucher_type.category,
                                  "face_value": face, "expires_on": batch.valid_until})
            left = take_slot(voucher_type.pk)
            if left is None:
                voucher_claim_cache.mark_sold_out(voucher_type.pk)
                raise voucher_claims._batch_exhausted()
        if left == 0:
            voucher_claim_cache.mark_sold_out_after_commit(voucher_type.pk)
    return voucher


class FloorClaimApi(APIView):
    """POST batches/{id}/claim/ as the claim API takes it (VoucherClaimApi), answered by floor_claim."""

    with_audit = True

    def post(self, request, pk: int):
        data = VoucherClaimApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher_claims.assert_not_sold_out(data.validated_data["voucher_type"])

        def handler():
            voucher = floor_claim(actor=request.user, batch_id=pk, voucher_type_id=data.validated_data["voucher_type"],
                                  with_audit=self.with_audit)
            return Response(VoucherOutput(voucher).data, status=201)

        return idempotent(request, handler)
