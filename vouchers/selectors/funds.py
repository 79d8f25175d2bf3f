"""Reads of funds and issuance batches (bureau usage screens, the batch page and its live counts)."""
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from hangqifu.core import clock
from hangqifu.core.errors import NotFound
from registration.selectors.quota import qualification_of

from .. import permissions as perms
from ..models.funds import Fund, IssuanceBatch, VoucherType
from ..models.vouchers import Voucher
from ..services.voucher_claims import voucher_claim_refusal, voucher_claim_window


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


def batch_live_figures(batch: IssuanceBatch, *, user=None) -> dict:
    """What the batch page polls: state, window, the server's clock and each type's remaining count (one
    query), and for a buyer its headroom (还可领取, one more)."""
    now = clock.now()
    types = list(batch.voucher_types.order_by("category", "face_value").values("id", "remaining", "count"))
    headroom = None
    if user is not None and perms.is_buyer(user):
        qualification = qualification_of(organisation_id=user.organisation_id, year=batch.year)
        headroom = str(qualification.headroom) if qualification else None
    return {
        "id": batch.pk, "state": batch.state, "claimable": batch.is_claimable(now), "window": batch.window_label,
        "now": now.isoformat(), "opens_at": timezone.localtime(batch.opens_at).isoformat(),
        "closes_at": timezone.localtime(batch.closes_at).isoformat(),
        "headroom": headroom,
        "types": {str(t["id"]): {"remaining": t["remaining"], "claimed": t["count"] - t["remaining"],
                                 "percent": int((t["count"] - t["remaining"]) * 100 / t["count"])} for t in types},
        "remaining": sum(t["remaining"] for t in types),
    }


@dataclass
class ClaimOption:
    """A voucher type as the batch page offers it: the type and why 领取 cannot succeed now apart from the
    claim window (None: it can, once the window is open). The reason is the claim service's own refusal."""
    voucher_type: VoucherType
    refusal: str | None
    refusal_code: str = ""

    @property
    def fixed_refusal(self) -> str:
        """A refusal the page cannot lift by itself (not a live figure: sold out and headroom are polled)."""
        return "" if self.refusal_code in ("", "batch_exhausted", "quota_exceeded") else self.refusal


def claim_options(*, batch: IssuanceBatch, qualification, now) -> list[ClaimOption]:
    fund_open = Fund.objects.filter(year=batch.year, exhausted_at__isnull=True).exists()
    options = []
    for voucher_type in batch.voucher_types.all():
        refusal = voucher_claim_refusal(batch=batch, voucher_type=voucher_type, qualification=qualification,
                                fund_open=fund_open, now=now, ignore_window=True)
        options.append(ClaimOption(voucher_type, refusal.detail if refusal else None,
                                   refusal.code if refusal else ""))
    return options


def voucher_claim_window_refusal(*, batch: IssuanceBatch, now) -> str | None:
    """Why nobody can claim from the batch at `now` (before opening, after closing), or None."""
    refusal = voucher_claim_window(batch=batch, now=now)
    return refusal.detail if refusal else None


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
