"""Collecting a closed settlement batch's claims (第十三条), the step `batch_close` starts and the task
`redemption.collect_batch` runs: chunk by chunk, each chunk one transaction whose effect a rerun cannot repeat.

Lock order: settlement batch → claim."""
import logging

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record_many
from hangqifu.core import clock
from hangqifu.core.money import fmt
from hangqifu.notifications.services import notify
from hangqifu.workflows.set_based import declared_move, state_log_rows
from hangqifu.workflows.transitions import fire
from registration.selectors.eligibility import listed_on_day
from sanctions.services import banned_organisation_ids

from ..models import RedemptionClaim, SettlementBatch
from .batch_base import Ref, _lock, batch_total

logger = logging.getLogger(__name__)


def collectable(batch: SettlementBatch):
    """Approved claims up to the period's end, not held by an objection, of providers not banned (第二十条)
    and on no dishonesty list today (第六条): their approved claims wait, unpaid, until the ban is lifted or
    the party is delisted (or they are revoked)."""
    return (RedemptionClaim.objects.filter(~listed_on_day(OuterRef("provider__credit_code"), clock.today()),
                                           state=RedemptionClaim.State.APPROVED, batch__isnull=True,
                                           under_investigation=False, approved_at__date__lte=batch.period_end)
            .exclude(provider_id__in=banned_organisation_ids()))


COLLECT_CHUNK = 2_000  # claims per transaction: a crash loses at most one chunk's work, which is redone


def batch_collect(*, batch_id: int) -> dict:
    """Task body: move the collectable claims into the batch chunk by chunk, then finish.

    Each chunk is one transaction: lock the batch, pick the next collectable ids, move them with one
    conditional UPDATE (the same source state, target state and holds as `RedemptionClaim.enter_settlement`,
    whose permission is `nobody`: only this task fires it, and `batch_close` checked the service center),
    then the FSM log rows, the audit events of the moved claims and the progress counter — all committed
    together. A worker killed midway leaves whole chunks done; a rerun collects the rest and nothing twice
    (a moved claim no longer matches the UPDATE's conditions)."""
    batch = SettlementBatch.objects.get(pk=batch_id)
    if batch.state != SettlementBatch.State.COLLECTING:
        return {"batch": batch_id, "skipped": batch.state}
    collected, after = 0, 0
    while (chunk := _collect_chunk(batch_id, after)) is not None and chunk[0]:
        after, moved = chunk
        collected += moved
    with transaction.atomic():
        locked = _lock(batch_id)
        if locked.state == SettlementBatch.State.COLLECTING:
            moved = _one_district_per_provider(locked)
            locked.task_total = locked.task_done = locked.claims.count()
            fire(locked, "finish_collecting", actor=None, system=True, action="settlement.collected",
                 fields=["task_total", "task_done"],
                 payload={"claims": locked.task_done, "total": batch_total(locked),
                          "moved_providers": moved})
            notify(subject=f"{locked.title}已归集 {locked.task_done} 份兑付申请，待审批", roles=[Role.BUREAU],
                   url=locked.get_absolute_url(), body=f"合计 {fmt(batch_total(locked))} 元。")
    return {"batch": batch_id, "collected": collected}


def _one_district_per_provider(batch: SettlementBatch) -> dict[str, str]:
    """A provider that moved district while its claims were being collected (between two chunks) has claims
    recorded under two districts; a batch pays a provider through one line (UNIQUE batch, provider), so all its
    claims take the district recorded on its lowest claim id. One aggregate over the batch (usually nothing to
    change) and one UPDATE; returns {provider id: the district now recorded} for the audit event."""
    movers = list(batch.claims.values("provider_id").annotate(districts=Count("settlement_district", distinct=True))
                  .filter(districts__gt=1).order_by("provider_id").values_list("provider_id", flat=True))
    if movers:
        first = (RedemptionClaim.objects.filter(batch_id=batch.pk, provider_id=OuterRef("provider_id"))
                 .order_by("id").values("settlement_district")[:1])
        batch.claims.filter(provider_id__in=movers).update(settlement_district=Subquery(first))
        logger.info("batch %s: providers %s moved district during collection", batch.pk, movers)
    return {str(provider_id): district for provider_id, district in batch.claims.filter(provider_id__in=movers)
            .values_list("provider_id", "settlement_district").distinct()}


def _collect_chunk(batch_id: int, after: int) -> tuple[int, int] | None:
    """One transaction: the next chunk of collectable claims (ids above `after`, in id order, as the task
    walks them) into the batch. Returns the last id picked (0: nothing left to collect) and how many moved,
    or None when the batch stopped collecting."""
    with transaction.atomic():
        locked = _lock(batch_id)
        if locked.state != SettlementBatch.State.COLLECTING:
            return None
        ids = list(collectable(locked).filter(pk__gt=after).order_by("id")
                   .values_list("id", flat=True)[:COLLECT_CHUNK])
        if not ids:
            return 0, 0
        (approved,), in_settlement = declared_move(RedemptionClaim, "enter_settlement")
        moved = _enter_settlement(ids, batch_id)  # a claim changed since it was picked stays where it is
        if moved:
            pks = [pk for pk, _, _ in moved]
            state_log_rows(RedemptionClaim, "enter_settlement", where=f"id IN ({', '.join(['%s'] * len(pks))})",
                           params=pks, source=approved)
        audit_record_many([
            {"action": "settlement.collect_claim", "obj": Ref(RedemptionClaim, pk),
             "from_state": approved, "to_state": in_settlement,
             "organisation": Ref(Organisation, provider_id), "payload": {"batch": batch_id, "district": district}}
            for pk, provider_id, district in moved])
        locked.task_done += len(moved)
        locked.task_total = max(locked.task_total, locked.task_done)
        locked.save(update_fields=["task_done", "task_total"])
        return ids[-1], len(moved)


def _enter_settlement(ids: list[int], batch_id: int) -> list[tuple[int, int, str]]:
    """The conditional UPDATE of a chunk: only claims still approved, in no batch and not held move. Each
    records its provider's district of this moment as the district that pays it (`settlement_district`):
    disbursement groups by it, so a provider that moves later is still paid, once, where it was collected.
    Returns (claim id, provider id, recorded district) of each claim moved."""
    (approved,), in_settlement = declared_move(RedemptionClaim, "enter_settlement")
    table = connection.ops.quote_name(RedemptionClaim._meta.db_table)
    organisations = connection.ops.quote_name(Organisation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, batch_id = %s, settlement_district = "
            f"(SELECT o.district FROM {organisations} o WHERE o.id = {table}.provider_id) "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND state = %s AND batch_id IS NULL "
            f"AND NOT under_investigation RETURNING id, provider_id, settlement_district",
            [in_settlement, batch_id, *ids, approved])
        return sorted(cursor.fetchall())
