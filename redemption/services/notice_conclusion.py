"""The end of a settlement batch's public notice (第十一条), run by the task `redemption.conclude_notice` once the
notice closes, by the nightly job, or by the bureau's signature: claims whose notice item did not clear leave
the batch for investigation, the rest go on to signing.

Lock order: settlement batch → claim."""
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from hangqifu.accounts.roles import Role
from hangqifu.notices.models import NoticeItem, PublicNotice
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire

from ..models import RedemptionClaim, SettlementBatch
from .batch_base import _lock


def _claims_not_cleared(batch: SettlementBatch):
    """The batch's claims without a cleared notice item: held or withdrawn, and — fail safe — any claim that
    has no item at all (it was never publicly noticed, 第十一条, so it must not be paid). The difference is taken
    here over two streamed id lists (≈ 10 MB at 100,000 claims): as SQL (NOT EXISTS / NOT IN) it depends on the
    planner knowing how many items the notice has, and right after the bulk publish it does not — it chose a
    nested loop that compared every claim with every item."""
    content_type = ContentType.objects.get_for_model(RedemptionClaim)
    cleared = set(NoticeItem.objects.filter(notice_id=batch.notice_id, content_type=content_type,
                                            state=NoticeItem.State.CLEARED)
                  .values_list("object_id", flat=True).iterator(chunk_size=10_000))
    not_cleared = [pk for pk in batch.claims.values_list("pk", flat=True).iterator(chunk_size=10_000)
                   if str(pk) not in cleared]
    return batch.claims.filter(pk__in=not_cleared)


def batch_conclude_notice(*, batch_id: int) -> bool:
    """Once the notice has closed: claims still held by an objection leave the batch for investigation (they
    return to `approved` and join a later batch once cleared); the rest continue to signing. Only the claims
    whose item did not clear are read (and locked); the batch lock keeps the others where they are."""
    with transaction.atomic():
        batch = _lock(batch_id)
        if batch.state != SettlementBatch.State.IN_NOTICE:
            return False
        if PublicNotice.objects.filter(pk=batch.notice_id, state=PublicNotice.State.PUBLISHED).exists():
            return False
        pulled = []
        not_cleared = (_claims_not_cleared(batch).select_for_update(of=("self",))
                       .select_related("provider").order_by("id"))
        for claim in not_cleared:
            district = claim.settlement_district
            fire(claim, "leave_settlement", actor=None, system=True, action="settlement.pull_out",
                 changes={"batch": None, "settlement_district": None, "under_investigation": True},
                 organisation=claim.provider,
                 payload={"batch": batch_id, "district": district, "reason": "公示异议待调查"})
            notify(subject=f"兑付申请因公示异议暂缓拨付：{claim.number}", organisation=claim.provider,
                   url=claim.get_absolute_url(), body="公示期内收到异议，调查结束前暂不拨付；异议不成立的将纳入后续批次。")
            pulled.append(claim.pk)
        fire(batch, "conclude_notice", actor=None, system=True, action="settlement.notice_concluded",
             payload={"pulled_out": pulled, "remaining": batch.claims.count()})
        notify(subject=f"{batch.title}公示结束，待签发拨付文件", roles=[Role.BUREAU], url=batch.get_absolute_url())
        return True


def batches_conclude_notices() -> dict:
    due = SettlementBatch.objects.filter(state=SettlementBatch.State.IN_NOTICE).exclude(
        notice__state=PublicNotice.State.PUBLISHED).values_list("id", flat=True)
    concluded = [pk for pk in due if batch_conclude_notice(batch_id=pk)]
    return {"concluded": concluded}
