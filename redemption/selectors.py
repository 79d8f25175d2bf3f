"""Reads, scoped to the caller: providers see their own claims, districts their own payment lines, staff all."""
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Sum

from hangqifu.audit.models import AuditEvent
from hangqifu.core.choices import District
from hangqifu.core.money import ZERO
from hangqifu.documents.models import Document
from hangqifu.notices.models import NoticeItem
from vouchers.models.orders import Order

from . import permissions as perms
from .models import ClaimLine, DisbursementOrder, DistrictPayment, RedemptionClaim, SettlementBatch


def _visible_in_state(queryset, *, user, state: str | None, district: str = ""):
    """Staff see every row, a district its own (`district`), a provider its own; anyone else none. Then the
    state asked for, if any."""
    if perms.is_staff(user):
        pass
    elif district:
        queryset = queryset.filter(district=district)
    elif perms.is_provider(user):
        queryset = queryset.filter(provider_id=user.organisation_id)
    else:
        return queryset.none()
    return queryset.filter(state=state) if state else queryset


def claim_list_for(*, user, state: str | None = None):
    queryset = (RedemptionClaim.objects.select_related("provider", "batch", "payment")
                .prefetch_related(Prefetch("lines", ClaimLine.objects.select_related("order").order_by("id")))
                .annotate(line_count=Count("lines")))
    return _visible_in_state(queryset, user=user, state=state).order_by("-id")


def claim_get_for(*, user, pk) -> RedemptionClaim | None:
    claim = (RedemptionClaim.objects.select_related("provider", "batch", "payment")
             .prefetch_related(Prefetch("lines", ClaimLine.objects.select_related("order").order_by("id")))
             .filter(pk=pk).first())
    return claim if claim is not None and perms.can_view_claim(claim, user) else None


def documents_by_claim(claims) -> dict[int, list]:
    """The documents of a page of claims in one query, keyed by claim id."""

    claims = list(claims)
    result = {claim.pk: [] for claim in claims}
    if claims:
        content_type = ContentType.objects.get_for_model(RedemptionClaim)
        for document in Document.objects.filter(content_type=content_type,
                                                object_id__in=[str(pk) for pk in result]).order_by("id"):
            result[int(document.object_id)].append(document)
    return result


def claim_lines(claim: RedemptionClaim):
    return claim.lines.select_related("order", "deduction").order_by("id")


def claimable_orders(*, provider):
    """The provider's deducted orders not yet in a live claim (what the claim form offers)."""
    return (Order.objects.filter(provider=provider, state=Order.State.DEDUCTED)
            .exclude(redemption_lines__live=True).select_related("deduction", "buyer").order_by("-deducted_at", "-id"))


def claim_timeline(claim: RedemptionClaim):
    return AuditEvent.objects.filter(object_type="redemptionclaim", object_id=str(claim.pk)).order_by("id")


def batch_list_for(*, user):
    if not perms.is_staff(user):
        return SettlementBatch.objects.none()
    return SettlementBatch.objects.select_related("notice", "bureau_signed_by", "finance_signed_by").annotate(
        claim_count=Count("claims", distinct=True), total=Sum("claims__verified_amount"))


def public_batches():
    """The announced schedule (第十三条): every batch with its dates, newest first."""
    return SettlementBatch.objects.order_by("-year", "-sequence")


def batch_get_for(*, user, pk) -> SettlementBatch | None:
    if not perms.is_staff(user):
        return None
    return SettlementBatch.objects.select_related("notice", "bureau_signed_by", "finance_signed_by").filter(
        pk=pk).first()


def batch_district_totals(batch: SettlementBatch) -> list[dict]:
    """Per paying district: the district recorded on the claims at collection (not the providers' current one)."""
    rows = (batch.claims.values("settlement_district").order_by("settlement_district")
            .annotate(total=Sum("verified_amount"), claims=Count("id"), providers=Count("provider", distinct=True)))

    labels = dict(District.choices)
    return [{"district": row["settlement_district"], "label": labels.get(row["settlement_district"], ""),
             "total": row["total"] or ZERO, "claims": row["claims"], "providers": row["providers"]} for row in rows]


def batch_claims(batch: SettlementBatch):
    return batch.claims.select_related("provider", "payment").order_by("settlement_district", "provider__name", "id")


def notice_item_states(batch: SettlementBatch, claim_ids=None) -> dict[int, str]:
    """{claim id: its notice item's state}, for every claim or only `claim_ids` (a page of them)."""
    if batch.notice_id is None:
        return {}

    content_type = ContentType.objects.get_for_model(RedemptionClaim)
    items = NoticeItem.objects.filter(notice_id=batch.notice_id, content_type=content_type)
    if claim_ids is not None:
        items = items.filter(object_id__in=[str(pk) for pk in claim_ids])
    return {int(pk): state for pk, state in items.values_list("object_id", "state")}


def disbursement_get_for(*, user, pk) -> DisbursementOrder | None:
    order = DisbursementOrder.objects.select_related("batch").filter(pk=pk).first()
    return order if order is not None and perms.can_view_disbursement(order, user) else None


def disbursement_list_for(*, user):
    queryset = DisbursementOrder.objects.select_related("batch")
    if perms.is_staff(user):
        return queryset
    district = perms.district_of(user)
    return queryset.filter(district=district) if district else queryset.none()


def payment_list_for(*, user, state: str | None = None, batch: int | None = None):
    queryset = DistrictPayment.objects.select_related("provider", "batch", "disbursement_order")
    queryset = _visible_in_state(queryset, user=user, state=state, district=perms.district_of(user))
    if batch:
        queryset = queryset.filter(batch_id=batch)
    return queryset.order_by("-batch_id", "provider__name", "id")


def payment_get_for(*, user, pk) -> DistrictPayment | None:
    payment = DistrictPayment.objects.select_related("provider", "batch", "disbursement_order").filter(pk=pk).first()
    return payment if payment is not None and perms.can_view_payment(payment, user) else None
