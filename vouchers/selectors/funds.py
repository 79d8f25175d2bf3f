"""Reads of funds and issuance batches (bureau usage screens, the batch page and its live counts)."""
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum

from hangqifu.core import clock
from hangqifu.core.errors import NotFound

from .. import money_permissions as perms
from ..models.funds import Fund, IssuanceBatch, VoucherType
from ..models.vouchers import Voucher


def fund_list() -> QuerySet[Fund]:
    return Fund.objects.order_by("-year")


def batches_visible_to(*, user) -> QuerySet[IssuanceBatch]:
    """Staff see every batch, drafts included; everyone else the published ones."""
    batches = IssuanceBatch.objects.prefetch_related(
        Prefetch("voucher_types", queryset=VoucherType.objects.order_by("category", "face_value")))
    if not perms.is_staff(user):
        batches = batches.exclude(state=IssuanceBatch.State.DRAFT)
    return batches.order_by("-opens_at", "-id")


def batch_get(*, user, batch_id) -> IssuanceBatch:
    batch = batches_visible_to(user=user).filter(pk=batch_id).first() if str(batch_id).isdigit() else None
    if batch is None:
        raise NotFound("发放批次不存在")
    return batch


def batch_live_figures(batch: IssuanceBatch) -> dict:
    """What the batch page polls: state, window and each type's remaining count (one query)."""
    now = clock.now()
    types = list(batch.voucher_types.order_by("category", "face_value").values("id", "remaining", "count"))
    return {
        "id": batch.pk, "state": batch.state, "claimable": batch.is_claimable(now), "window": batch.window_label,
        "now": now.isoformat(),
        "types": {str(t["id"]): {"remaining": t["remaining"], "claimed": t["count"] - t["remaining"],
                                 "percent": int((t["count"] - t["remaining"]) * 100 / t["count"])} for t in types},
        "remaining": sum(t["remaining"] for t in types),
    }


def fund_usage() -> list[dict]:
    """Per year: the fund's figures, vouchers issued / live / ended and their amounts (bureau screen)."""
    vouchers = {row["year"]: row for row in Voucher.objects.values("year").annotate(
        issued=Count("id"), issued_amount=Sum("face_value"),
        live=Count("id", filter=Q(state=Voucher.State.LIVE)),
        live_balance=Sum("balance", filter=Q(state=Voucher.State.LIVE)),
        ended=Count("id", filter=Q(state__in=[Voucher.State.VOIDED, Voucher.State.EXPIRED])))}
    empty = {"issued": 0, "issued_amount": None, "live": 0, "live_balance": None, "ended": 0}
    return [{"fund": fund, **vouchers.get(fund.year, empty)} for fund in fund_list()]


def batch_usage(*, year: int | None = None) -> QuerySet[IssuanceBatch]:
    batches = IssuanceBatch.objects.prefetch_related(
        Prefetch("voucher_types", queryset=VoucherType.objects.order_by("category", "face_value"))).annotate(
        issued=Sum("voucher_types__count"), taken=Sum(F("voucher_types__count") - F("voucher_types__remaining")))
    return batches.filter(year=year) if year else batches
