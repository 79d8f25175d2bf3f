"""Outcome of each claim on a settlement batch's public notice (第十一条 公示无异议后拨付)."""

from django.db.models import BigIntegerField
from django.db.models.functions import Cast

from hangqifu.core.outbox import enqueue_after_commit
from hangqifu.notices.handlers import notice_handler

from .models import RedemptionClaim, SettlementBatch
from .services import redemption_claims as claim_services
from .services.objections import claims_cleared_of_objection
from .services.settlement import NOTICE_KIND
from .tasks import conclude_notice


@notice_handler(NOTICE_KIND)
class SettlementNoticeHandler:
    def item_cleared(self, item, *, actor):
        """No objection (or every objection dismissed). A claim pulled out earlier for investigation is free
        to join the next batch; the batch itself moves on once its notice has closed."""
        claims_cleared_of_objection(claim_ids=[int(item.object_id)], notice=item.notice, actor=actor)
        self._conclude_later(item.notice_id)

    def items_cleared(self, notice, items, *, actor):
        """The same as `item_cleared` for every item a notice's close cleared at once: the claims still marked
        for investigation (usually none) and one conclusion task for the batch."""
        claim_ids = items.annotate(claim_id=Cast("object_id", BigIntegerField())).values("claim_id")
        claims_cleared_of_objection(claim_ids=claim_ids, notice=notice, actor=actor)
        self._conclude_later(notice.pk)

    def item_withdrawn(self, item, *, actor):
        """An objection was upheld: the claim is not paid (its approval and cap headroom are undone)."""
        claim = RedemptionClaim.objects.get(pk=item.object_id)
        claim_services.claim_revoke_after_objection(claim=claim, actor=actor,
                                                    reason=f"公示异议成立：{item.notice.title}")
        self._conclude_later(item.notice_id)

    @staticmethod
    def _conclude_later(notice_id: int):
        batch_id = SettlementBatch.objects.filter(notice_id=notice_id).values_list("id", flat=True).first()
        if batch_id is not None:
            enqueue_after_commit(conclude_notice, batch_id)
