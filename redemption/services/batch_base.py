"""Helpers shared by the settlement services (locking a batch, firing its transitions, totals)."""
from django.db.models import Sum
from django_fsm import can_proceed, has_transition_perm

from audit.services import audit_record
from hangqifu.core.errors import InvalidTransition, NotPermitted
from hangqifu.core.money import ZERO

from ..models import SettlementBatch


def _lock(batch_id: int) -> SettlementBatch:
    return SettlementBatch.objects.select_for_update().get(pk=batch_id)


def _transition(batch: SettlementBatch, method: str, actor, *, action: str, fields=(), payload=None):
    before = batch.state
    transition = getattr(batch, method)
    if not can_proceed(transition):
        raise InvalidTransition(f"结算批次当前状态为“{batch.get_state_display()}”，不能执行此操作")
    if actor is not None and not has_transition_perm(transition, actor):
        raise NotPermitted("您没有执行此操作的权限")
    transition()
    batch.save(update_fields=["state", *fields])
    audit_record(actor=actor, action=action, obj=batch, from_state=before, to_state=batch.state,
                 payload=payload or {})


def _enqueue(task_name: str, batch_id: int) -> None:
    from .. import tasks

    from hangqifu.core.outbox import enqueue_after_commit

    enqueue_after_commit(getattr(tasks, task_name), batch_id)  # survives a broker outage (transactional outbox)


def batch_total(batch: SettlementBatch):
    return batch.claims.aggregate(total=Sum("verified_amount"))["total"] or ZERO
