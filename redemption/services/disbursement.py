"""Issuing a signed batch (task): one disbursement order per district (文号 杭经信兑〔年〕N号), one payment line per
provider, the claims linked to their line and one ledger redemption entry per order, each district in one
transaction that does nothing if its order already exists; the official PDF is rendered once and archived.

Lock order: settlement batch → claims."""
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Sum

from hangqifu.accounts.models import User
from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.choices import District
from hangqifu.core.money import ZERO, fmt
from hangqifu.core.rows import CHUNK, chunk_size
from hangqifu.notifications.services import notify, notify_many
from hangqifu.workflows.transitions import fire
from vouchers.models import Deduction
from vouchers.models.ledger import LedgerEntry
from vouchers.services.ledger import ledger_record_rows

from ..exports import disbursement_pdf
from ..models import ClaimLine, DisbursementOrder, DistrictPayment, RedemptionClaim, SettlementBatch
from ..statements import claim_number_sql
from .batch_base import _lock, batch_complete_if_all_paid, batch_total

logger = logging.getLogger(__name__)


def batch_districts(batch: SettlementBatch) -> list[str]:
    """The districts that pay the batch: those recorded on its claims when it collected them (a provider that
    moves district afterwards is still paid by the one recorded, so the list cannot change while issuing)."""
    return list(batch.claims.order_by("settlement_district").values_list("settlement_district", flat=True)
                .distinct())


def _next_number(year: int) -> int:
    return (DisbursementOrder.objects.filter(year=year).aggregate(m=Max("sequence"))["m"] or 0) + 1


def _issue_district(batch_id: int, district: str) -> DisbursementOrder | None:
    """One transaction: the district's disbursement order, one payment line per provider, the claims linked
    to their line and one ledger redemption entry per order. Nothing if the order already exists.
    Set-based: the claims are locked and summed by the database, linked to their lines by one UPDATE joined to
    the lines' (provider, line) pairs, and the ledger entries written by one INSERT … SELECT — the district's claims are never all held in memory."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                batch = _lock(batch_id)
                if batch.state != SettlementBatch.State.ISSUING:
                    return None
                if DisbursementOrder.objects.filter(batch=batch, district=district).exists():
                    return None
                # the claims the batch recorded for this district at collection (not the providers' current
                # districts), and — belt and braces — only those not yet on a payment line
                claims = batch.claims.filter(settlement_district=district, payment__isnull=True)
                # lock the district's claims (lock order: batch → claims) before reading their amounts
                if not _lock_claims(claims):
                    return None
                per_provider = list(claims.order_by("provider_id").values("provider_id")
                                    .annotate(amount=Sum("verified_amount"), count=Count("id")))
                now = clock.now()
                year = clock.current_year()
                order = DisbursementOrder.objects.create(
                    batch=batch, district=district, year=year, sequence=_next_number(year),
                    total=sum((row["amount"] for row in per_provider), ZERO), provider_count=len(per_provider),
                    claim_count=sum(row["count"] for row in per_provider), issued_at=now)
                lines = DistrictPayment.objects.bulk_create([
                    DistrictPayment(batch=batch, disbursement_order=order, provider_id=row["provider_id"],
                                    district=district, amount=row["amount"], claim_count=row["count"])
                    for row in per_provider])
                linked = _link_claims(batch_id, district, [(line.provider_id, line.pk) for line in lines])
                if linked != order.claim_count:
                    # a claim summed into a line but not on it would miss its ledger entry below: issue nothing
                    raise RuntimeError(f"disbursement {order.number}: {linked} of {order.claim_count} claims "
                                       "linked to their payment lines")
                _ledger_redemptions(order, now)
                audit_record(action="settlement.disbursement_issue", obj=order, organisation=None,
                             payload={"number": order.number, "district": district, "total": order.total,
                                      "providers": order.provider_count, "claims": order.claim_count})
                batch.task_done = batch.disbursement_orders.count()
                batch.save(update_fields=["task_done"])
                return order
        except IntegrityError:
            if attempt == 4:
                raise
            logger.info("disbursement number clash for batch %s %s, retrying", batch_id, district)
    return None


def _lock_claims(claims) -> int:
    """SELECT … FOR UPDATE of the claims (their ids only); returns how many were locked."""
    return len(claims.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))


def _link_claims(batch_id: int, district: str, lines: list[tuple[int, int]]) -> int:
    """Put each of the district's claims on its provider's payment line: (provider id, line id) of every line,
    one UPDATE joined to them per chunk of lines (the same claims the lines were summed from); returns how many."""
    table = connection.ops.quote_name(RedemptionClaim._meta.db_table)
    linked = 0
    size = chunk_size(CHUNK, 2, spare=2)
    for start in range(0, len(lines), size):
        chunk = lines[start:start + size]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH line (provider_id, payment_id) AS (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) "
                f"UPDATE {table} SET payment_id = line.payment_id FROM line "
                f"WHERE {table}.provider_id = line.provider_id AND {table}.batch_id = %s "
                f"AND {table}.settlement_district = %s AND {table}.payment_id IS NULL",
                [value for pair in chunk for value in pair] + [batch_id, district])
            linked += cursor.rowcount
    return linked


def _ledger_redemptions(order: DisbursementOrder, now) -> None:
    """One redemption entry per claim line of the order's claims, referenced by the claim number."""
    rows = f"""
        SELECT d.year, l.verified_amount, c.provider_id, d.fund_id, d.voucher_id, l.order_id, l.deduction_id,
               {claim_number_sql("c")}
        FROM {ClaimLine._meta.db_table} l
        JOIN {RedemptionClaim._meta.db_table} c ON c.id = l.claim_id
        JOIN {Deduction._meta.db_table} d ON d.id = l.deduction_id
        JOIN {DistrictPayment._meta.db_table} p ON p.id = c.payment_id
        WHERE p.disbursement_order_id = %s
        ORDER BY l.id"""
    ledger_record_rows(kind=LedgerEntry.Kind.REDEMPTION, memo=f"{order.number} 兑付", rows_sql=(rows, [order.pk]),
                       business_time=now)


def disbursement_pdf_store(order: DisbursementOrder) -> None:
    """Render the official PDF once and keep it (the signed document never changes afterwards)."""

    if order.pdf:
        return
    content = disbursement_pdf(order)
    with transaction.atomic():
        locked = DisbursementOrder.objects.select_for_update().get(pk=order.pk)
        if locked.pdf:
            return
        locked.pdf.save(f"{order.sequence}.pdf", ContentFile(content), save=True)


def batch_issue(*, batch_id: int) -> dict:
    """Task body: issue every district's disbursement order (idempotent), archive the PDFs, then finish."""
    batch = SettlementBatch.objects.get(pk=batch_id)
    if batch.state != SettlementBatch.State.ISSUING:
        return {"batch": batch_id, "skipped": batch.state}
    issued = []
    for district in batch_districts(batch):
        order = _issue_district(batch_id, district)
        if order is not None:
            issued.append(order.number)
            disbursement_pdf_store(order)
    for order in DisbursementOrder.objects.filter(batch_id=batch_id, pdf=""):
        disbursement_pdf_store(order)
    with transaction.atomic():
        batch = _lock(batch_id)
        if batch.state == SettlementBatch.State.ISSUING and not _unissued_claims(batch).exists():
            batch.task_done = batch.task_total = batch.disbursement_orders.count()
            fire(batch, "finish_issuing", actor=None, system=True, action="settlement.disbursed",
                 fields=["task_done", "task_total"],
                 payload={"orders": list(batch.disbursement_orders.values_list("id", flat=True)),
                          "total": batch_total(batch)})
            for order in batch.disbursement_orders.all():
                _notify_district(order)
            batch_complete_if_all_paid(batch)
            _notify_providers(batch)
    return {"batch": batch_id, "issued": issued}


def _notify_providers(batch: SettlementBatch) -> None:
    """Each provider of the batch hears of its payment line: one notification per user of the provider, all
    written together."""
    subject = f"{batch.title}已下达拨付"
    notify_many(url=_claims_url(), messages=(
        (provider_id, subject, f"{District(district).label}将通过亲清在线向贵机构支付 {fmt(amount)} 元。")
        for provider_id, district, amount in batch.payments.order_by("id").values_list("provider_id", "district",
                                                                                        "amount")))


def _unissued_claims(batch: SettlementBatch):
    return batch.claims.filter(payment__isnull=True)


def _payments_url() -> str:
    from django.urls import reverse

    return reverse("redemption:district-payments")


def _claims_url() -> str:
    from django.urls import reverse

    return reverse("redemption:claim-list")


def _notify_district(order: DisbursementOrder) -> None:
    officers = User.objects.filter(role=Role.DISTRICT, organisation__district=order.district, is_active=True)
    notify(subject=f"拨付文件 {order.number} 已下达，请通过亲清在线支付", users=list(officers),
           url=_payments_url(), body=f"{order.get_district_display()}合计 {fmt(order.total)} 元。")
