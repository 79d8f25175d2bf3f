"""Issuing a signed batch (task): one disbursement order per district (文号 杭经信兑〔年〕N号), one payment line per
provider, the claims linked to their line and one ledger redemption entry per order, each district in one
transaction that does nothing if its order already exists; the official PDF is rendered once and archived.

Lock order: settlement batch → claims."""
import logging
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max

from audit.services import audit_record
from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.money import ZERO, fmt
from hangqifu.notifications.services import notify
from vouchers.models.ledger import LedgerEntry

from ..models import ClaimLine, DisbursementOrder, DistrictPayment, RedemptionClaim, SettlementBatch
from .batch_base import _lock, _transition, batch_total

logger = logging.getLogger(__name__)


def batch_districts(batch: SettlementBatch) -> list[str]:
    return sorted(set(batch.claims.values_list("provider__district", flat=True)))


def _next_number(year: int) -> int:
    return (DisbursementOrder.objects.filter(year=year).aggregate(m=Max("sequence"))["m"] or 0) + 1


def _issue_district(batch_id: int, district: str) -> DisbursementOrder | None:
    """One transaction: the district's disbursement order, one payment line per provider, the claims linked
    to their line and one ledger redemption entry per order. Nothing if the order already exists."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                batch = _lock(batch_id)
                if batch.state != SettlementBatch.State.ISSUING:
                    return None
                if DisbursementOrder.objects.filter(batch=batch, district=district).exists():
                    return None
                claims = list(batch.claims.select_for_update().filter(provider__district=district)
                              .select_related("provider").order_by("provider_id", "id"))
                if not claims:
                    return None
                by_provider = defaultdict(list)
                for claim in claims:
                    by_provider[claim.provider].append(claim)
                now = clock.now()
                year = clock.current_year()
                order = DisbursementOrder.objects.create(
                    batch=batch, district=district, year=year, sequence=_next_number(year),
                    total=sum((c.verified_amount for c in claims), ZERO), provider_count=len(by_provider),
                    claim_count=len(claims), issued_at=now)
                for provider, provider_claims in by_provider.items():
                    payment = DistrictPayment.objects.create(
                        batch=batch, disbursement_order=order, provider=provider, district=district,
                        amount=sum((c.verified_amount for c in provider_claims), ZERO),
                        claim_count=len(provider_claims))
                    RedemptionClaim.objects.filter(pk__in=[c.pk for c in provider_claims]).update(payment=payment)
                _ledger_redemptions(claims, order, now)
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


def _ledger_redemptions(claims, order: DisbursementOrder, now) -> None:
    lines = ClaimLine.objects.filter(claim__in=claims).select_related("deduction", "claim")
    LedgerEntry.objects.bulk_create([
        LedgerEntry(kind=LedgerEntry.Kind.REDEMPTION, year=line.deduction.year, amount=line.verified_amount,
                    organisation_id=line.claim.provider_id, fund_id=line.deduction.fund_id,
                    voucher_id=line.deduction.voucher_id, order_id=line.order_id, deduction=line.deduction,
                    reference=line.claim.number, memo=f"{order.number} 兑付", business_time=now)
        for line in lines
    ])


def disbursement_pdf_store(order: DisbursementOrder) -> None:
    """Render the official PDF once and keep it (the signed document never changes afterwards)."""
    from ..exports import disbursement_pdf

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
            _transition(batch, "finish_issuing", None, action="settlement.disbursed",
                        fields=["task_done", "task_total"],
                        payload={"orders": list(batch.disbursement_orders.values_list("id", flat=True)),
                                 "total": batch_total(batch)})
            for order in batch.disbursement_orders.all():
                _notify_district(order)
            _complete_if_all_paid(batch)
            for payment in batch.payments.select_related("provider"):
                notify(subject=f"{batch.title}已下达拨付", organisation=payment.provider, url=_claims_url(),
                       body=f"{payment.get_district_display()}将通过亲清在线向贵机构支付 {fmt(payment.amount)} 元。")
    return {"batch": batch_id, "issued": issued}


def _unissued_claims(batch: SettlementBatch):
    return batch.claims.filter(payment__isnull=True)


def _payments_url() -> str:
    from django.urls import reverse

    return reverse("redemption:district-payments")


def _claims_url() -> str:
    from django.urls import reverse

    return reverse("redemption:claim-list")


def _notify_district(order: DisbursementOrder) -> None:
    from hangqifu.accounts.models import User

    officers = User.objects.filter(role=Role.DISTRICT, organisation__district=order.district, is_active=True)
    notify(subject=f"拨付文件 {order.number} 已下达，请通过亲清在线支付", users=list(officers),
           url=_payments_url(), body=f"{order.get_district_display()}合计 {fmt(order.total)} 元。")


def _complete_if_all_paid(batch: SettlementBatch) -> None:
    """Lines confirmed while other districts were still being issued: complete once the last one is issued."""
    if batch.payments.exists() and not batch.payments.exclude(state=DistrictPayment.State.PAID).exists():
        _transition(batch, "complete", None, action="settlement.complete", fields=["completed_at"],
                    payload={"payments": batch.payments.count()})
