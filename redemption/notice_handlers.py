"""Outcome of each claim on a settlement batch's public notice (第十一条 公示无异议后拨付)."""

from hangqifu.notices.handlers import notice_handler

from .models import RedemptionClaim
from .services import claims as claim_services
from .services.settlement import NOTICE_KIND


@notice_handler(NOTICE_KIND)
class SettlementNoticeHandler:
    def item_cleared(self, item, *, actor):
        """No objection (or every objection dismissed). A claim pulled out earlier for investigation is free
        to join the next batch; the batch itself moves on once its notice has closed."""
        claim = RedemptionClaim.objects.select_for_update().get(pk=item.object_id)
        if claim.under_investigation:
            claim.under_investigation = False
            claim.save(update_fields=["under_investigation"])
        self._conclude_later(item)

    def item_withdrawn(self, item, *, actor):
        """An objection was upheld: the claim is not paid (its approval and cap headroom are undone)."""
        claim = RedemptionClaim.objects.get(pk=item.object_id)
        claim_services.claim_revoke_after_objection(claim=claim, actor=actor,
                                                    reason=f"公示异议成立：{item.notice.title}")
        self._conclude_later(item)

    @staticmethod
    def _conclude_later(item):
        from .models import SettlementBatch
        from .tasks import conclude_notice

        batch_id = SettlementBatch.objects.filter(notice_id=item.notice_id).values_list("id", flat=True).first()
        if batch_id is not None:
            from hangqifu.core.outbox import enqueue_after_commit

            enqueue_after_commit(conclude_notice, batch_id)
