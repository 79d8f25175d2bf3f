"""The claim floor: the cheapest claim that keeps the claim API's contract, for the claim rush's last ceiling. Bench
only; the portal never routes to it (bench/claim_floor_wsgi.py mounts it for one run on its own database copy).

It answers at the real claim URL, so the admission middleware, token authentication, throttles, the input
serializer, the idempotency wrapper and the 201 body (VoucherOutput) all run as for a claim, and it writes the rows
a winning claim writes: the headroom reserved, the slot taken, the voucher and its ledger entry, all in ONE SQL
statement, and the audit event (`with_audit`). What it leaves out is every read of the claim's rules before that
statement: the ban, the credit lists, the programme's period, the qualification's state shown as a reason. So no
claim that keeps the rules, the contract and the audit trail can cost the machine less than this one; claims/s of
the floor over the DRF no-op's requests/s bounds the claim's own target from above (bench/analysis.md).
tests/test_bench_claim_floor.py checks it writes what the real claim writes."""
from django.db import connection, transaction
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.models import Organisation
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.api import idempotent
from hangqifu.core.errors import RuleViolation
from registration.models import Qualification
from vouchers.apis.voucher_claims import VoucherClaimApi, VoucherOutput
from vouchers.models.vouchers import Voucher
from vouchers.services import voucher_claim_cache, voucher_claims

# The fund open and the batch in its window (FOR KEY SHARE, as the claim), the headroom reserved, the slot taken,
# the voucher and its ledger entry: each step only when the one before it matched a row.
CLAIM_IN_ONE_STATEMENT = """
WITH fund_and_batch AS (
  SELECT 1 FROM vouchers_fund f, vouchers_issuancebatch b
   WHERE f.year = %(year)s AND f.exhausted_at IS NULL AND b.id = %(batch)s AND b.state = 'open'
     AND b.opens_at <= %(now)s AND b.closes_at > %(now)s FOR KEY SHARE OF f, b),
reserved AS (
  UPDATE vouchers_qualification SET reserved = reserved + %(face)s
   WHERE organisation_id = %(organisation)s AND year = %(year)s AND state = 'active'
     AND quota >= used + reserved + %(face)s AND EXISTS (SELECT 1 FROM fund_and_batch) RETURNING id),
slot AS (
  UPDATE vouchers_vouchertype SET remaining = remaining - 1
   WHERE id = %(voucher_type)s AND remaining > 0 AND EXISTS (SELECT 1 FROM reserved) RETURNING remaining),
voucher AS (
  INSERT INTO vouchers_voucher (organisation_id, qualification_id, batch_id, voucher_type_id, year, category,
      face_value, balance, expires_on, state, claimed_at, claimed_by_id, ended_at, end_reason)
  SELECT %(organisation)s, reserved.id, %(batch)s, %(voucher_type)s, %(year)s, %(category)s, %(face)s, %(face)s,
      %(expires_on)s, 'live', %(now)s, %(actor)s, NULL, '' FROM reserved, slot RETURNING id, qualification_id),
entry AS (
  INSERT INTO vouchers_ledgerentry (kind, year, amount, organisation_id, fund_id, voucher_id, order_id, deduction_id,
      reference, memo, actor_id, business_time, recorded_at)
  SELECT 'claim', %(year)s, %(face)s, %(organisation)s, %(fund)s, voucher.id, NULL, NULL, '', %(memo)s, %(actor)s,
      %(now)s, now() FROM voucher)
SELECT voucher.id, voucher.qualification_id, slot.remaining FROM voucher, slot"""


def floor_claim(*, actor, batch_id: int, voucher_type_id: int, with_audit: bool = True) -> Voucher:
    voucher_type = voucher_claims._voucher_type_of(batch_id, voucher_type_id)  # the claim's cached snapshot
    batch, face, now = voucher_type.batch, voucher_type.face_value, clock.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_IN_ONE_STATEMENT, {
                "year": batch.year, "batch": batch.pk, "now": now, "face": face, "organisation": actor.organisation_id,
                "voucher_type": voucher_type.pk, "category": voucher_type.category, "expires_on": batch.valid_until,
                "actor": actor.pk, "fund": voucher_type.fund_pk, "memo": f"{batch.title} 领券"})
            row = cursor.fetchone()
        if row is None:  # whichever step matched nothing: the floor does not say why (the claim's reads do)
            voucher_claim_cache.mark_sold_out(voucher_type.pk)
            raise RuleViolation("该券种已被领完", code="batch_exhausted")
        voucher_id, qualification_id, left = row
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
