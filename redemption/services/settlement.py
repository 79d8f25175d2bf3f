"""Settlement batches (第十一、十三条): open and announce → collect approved claims (task) → bureau approves →
public notice → bureau and finance bureau sign → disbursement orders per district and payment lines per
provider (task). Each task step is its own transaction whose effect is a UNIQUE row, so a task killed midway
and run again completes the work without doing any part twice.

Lock order: settlement batch → claim → claim lines → payment."""
import logging
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record, audit_record_many
from hangqifu.core import clock
from hangqifu.core.errors import DomainError, InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.core.money import fmt
from hangqifu.notices.models import NoticeItem, PublicNotice
from hangqifu.notices.services import notice_publish
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check, transition_refusal
from sanctions.services import banned_organisation_ids
from registration.selectors.eligibility import listed_on_day

from .. import permissions as perms
from ..models import RedemptionClaim, SettlementBatch
from ..models.claims import claim_number
from .batch_base import Ref, _enqueue, _lock, batch_total, state_log_rows
from .disbursement import batch_districts

logger = logging.getLogger(__name__)
NOTICE_KIND = "settlement"


# --- open and announce ----------------------------------------------------------------------------------

@transaction.atomic
def batch_open(*, actor, period_start: date, period_end: date, payment_expected_on: date | None = None,
               announcement: str = "") -> SettlementBatch:
    """The service center opens a batch: claims approved up to `period_end` are settled in it. The dates are
    announced to every provider and on the public schedule page (第十三条)."""
    if not perms.is_service_center(actor):
        raise NotPermitted("只有市工信服务中心可以开立结算批次")
    if period_end < period_start:
        raise InvalidInput("归集截止日期不能早于开始日期", fields={"period_end": ["不能早于开始日期"]})
    if payment_expected_on and payment_expected_on < period_end:
        raise InvalidInput("预计拨付日期不能早于归集截止日期", fields={"payment_expected_on": ["不能早于归集截止日期"]})
    if SettlementBatch.objects.filter(state=SettlementBatch.State.OPEN).exists():
        raise RuleViolation("已有一个受理中的结算批次，请先截止归集后再开立新批次", code="batch_already_open")
    year = period_end.year
    sequence = (SettlementBatch.objects.filter(year=year).aggregate(m=Max("sequence"))["m"] or 0) + 1
    batch = SettlementBatch.objects.create(
        year=year, sequence=sequence, period_start=period_start, period_end=period_end,
        payment_expected_on=payment_expected_on, announcement=(announcement or "").strip(), created_by=actor,
        created_at=clock.now())
    audit_record(actor=actor, action="settlement.open", obj=batch, to_state=batch.state,
                 payload={"period_start": period_start, "period_end": period_end,
                          "payment_expected_on": payment_expected_on})
    expected = f"，预计 {payment_expected_on:%Y年%m月%d日} 拨付" if payment_expected_on else ""
    notify(subject=f"{batch.title}已公布", roles=[Role.PROVIDER], url=batch_schedule_url(),
           body=f"{period_start:%Y年%m月%d日}至{period_end:%Y年%m月%d日}审批通过的兑付申请纳入本批次{expected}。"
                f"{batch.announcement}")
    return batch


def batch_schedule_url() -> str:
    from django.urls import reverse

    return reverse("redemption:schedule")


# --- collect (task) -------------------------------------------------------------------------------------

def _collectable(batch: SettlementBatch):
    """Approved claims up to the period's end, not held by an objection, of providers not banned (第二十条)
    and on no dishonesty list today (第六条): their approved claims wait, unpaid, until the ban is lifted or
    the party is delisted (or they are revoked)."""
    return (RedemptionClaim.objects.filter(~listed_on_day(OuterRef("provider__credit_code"), clock.today()),
                                           state=RedemptionClaim.State.APPROVED, batch__isnull=True,
                                           under_investigation=False, approved_at__date__lte=batch.period_end)
            .exclude(provider_id__in=banned_organisation_ids()))


@transaction.atomic
def batch_close(*, batch: SettlementBatch, actor) -> SettlementBatch:
    """Stop accepting and start collecting the approved claims (a Celery task; progress on the batch page)."""
    batch = _lock(batch.pk)
    transition_check(batch, "close", actor=actor, denied="只有市工信服务中心可以截止归集")
    batch.task_total, batch.task_done = _collectable(batch).count(), 0
    fire(batch, "close", actor=actor, action="settlement.close", fields=["closed_at", "task_total", "task_done"],
         payload={"to_collect": batch.task_total})
    _enqueue("collect_batch", batch.pk)
    return batch


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
        ids = list(_collectable(locked).filter(pk__gt=after).order_by("id")
                   .values_list("id", flat=True)[:COLLECT_CHUNK])
        if not ids:
            return 0, 0
        moved = _enter_settlement(ids, batch_id)  # a claim changed since it was picked stays where it is
        if moved:
            pks = [pk for pk, _, _ in moved]
            state_log_rows(RedemptionClaim, f"id IN ({', '.join(['%s'] * len(pks))})", pks,
                           transition="enter_settlement", source=RedemptionClaim.State.APPROVED,
                           target=RedemptionClaim.State.IN_SETTLEMENT)
        audit_record_many([
            {"action": "settlement.collect_claim", "obj": Ref(RedemptionClaim, pk),
             "from_state": RedemptionClaim.State.APPROVED, "to_state": RedemptionClaim.State.IN_SETTLEMENT,
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
    table = connection.ops.quote_name(RedemptionClaim._meta.db_table)
    organisations = connection.ops.quote_name(Organisation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, batch_id = %s, settlement_district = "
            f"(SELECT o.district FROM {organisations} o WHERE o.id = {table}.provider_id) "
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND state = %s AND batch_id IS NULL "
            f"AND NOT under_investigation RETURNING id, provider_id, settlement_district",
            [RedemptionClaim.State.IN_SETTLEMENT, batch_id, *ids, RedemptionClaim.State.APPROVED])
        return sorted(cursor.fetchall())


# --- approve and publish --------------------------------------------------------------------------------

@transaction.atomic
def batch_approve(*, batch: SettlementBatch, actor) -> SettlementBatch:
    batch = _lock(batch.pk)
    transition_check(batch, "approve", actor=actor, denied="只有市经信局可以审批结算批次")
    fire(batch, "approve", actor=actor, action="settlement.approve", changes={"approved_by": actor},
         payload={"claims": batch.claims.count(), "total": batch_total(batch)})
    return batch


@transaction.atomic
def batch_cancel(*, batch: SettlementBatch, actor) -> SettlementBatch:
    """The service center cancels a batch that collected nothing (else it would wait for an approval that
    cannot come: `batch_empty`). A batch with claims cannot be cancelled."""
    batch = _lock(batch.pk)
    fire(batch, "cancel", actor=actor, action="settlement.cancel", payload={"claims": 0},
         denied="只有市工信服务中心可以取消结算批次")
    notify(subject=f"{batch.title}未归集到兑付申请，已取消", roles=[Role.BUREAU], url=batch.get_absolute_url())
    return batch


def _notice_label(provider_name: str, number: str, verified_amount) -> str:
    return f"{provider_name}：兑付申请 {number}，核定兑付 {fmt(verified_amount)} 元"


class _ClaimOnNotice(Ref):
    """A claim as a notice item's subject: its pk and the organisation the notice tells."""

    __slots__ = ("organisation",)

    def __init__(self, pk, organisation):
        super().__init__(RedemptionClaim, pk)
        self.organisation = organisation


def _notice_items(batch: SettlementBatch):
    """(subject, label) of every claim in the batch, streamed as plain rows (no model instance per claim)."""
    providers = {}
    rows = (batch.claims.order_by("provider__name", "id")
            .values_list("pk", "created_at", "verified_amount", "provider_id", "provider__name"))
    for pk, created_at, verified_amount, provider_id, provider_name in rows.iterator(chunk_size=2000):
        provider = providers.get(provider_id) or providers.setdefault(provider_id, Organisation(pk=provider_id))
        yield (_ClaimOnNotice(pk, provider),
               _notice_label(provider_name, claim_number(pk, created_at), verified_amount))


@transaction.atomic
def batch_publish(*, batch: SettlementBatch, actor, working_days: int | None = None) -> SettlementBatch:
    """Open the public notice on the portal: one item per claim (streamed, not loaded all at once). An
    objection holds only its own claim."""

    batch = _lock(batch.pk)
    transition_check(batch, "publish", actor=actor, denied="只有市经信局可以发布兑付公示",
                     wrong_state=f"结算批次当前状态为“{batch.get_state_display()}”，不能发布公示")
    body = (f"根据《杭州市中小微企业服务券管理办法》第十一条，现将{batch.title}拟兑付情况予以公示，"
            f"共 {batch.claims.count()} 份兑付申请，合计 {fmt(batch_total(batch))} 元。公示期内如有异议，请登录平台提出。")
    notice = notice_publish(kind=NOTICE_KIND, title=f"{batch.title}公示", body=body, items=_notice_items(batch),
                            actor=actor, working_days=working_days)
    fire(batch, "publish", actor=actor, action="settlement.publish", changes={"notice": notice},
         payload={"notice": notice.pk, "closes_at": notice.closes_at})
    return batch


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


# --- two signatures -------------------------------------------------------------------------------------

def bureau_sign_refusal(batch: SettlementBatch, *, notice_due_concludes: bool = True) -> DomainError | None:
    """Why the bureau cannot sign the disbursement orders now, or None: the check `batch_sign` makes, and the
    reason the batch page shows on the disabled 签发 button. A batch whose notice has closed is concluded by
    the signing itself (`notice_due_concludes`), so the page offers the button from that moment."""
    S = SettlementBatch.State
    if batch.state == S.IN_NOTICE:
        notice = batch.notice if batch.notice_id else None
        if notice_due_concludes and notice is not None and notice.state != PublicNotice.State.PUBLISHED:
            return None
        closes_at = notice.closes_at if notice is not None else None
        if closes_at is not None and closes_at < clock.now():
            return InvalidTransition(f"公示期已于 {timezone.localtime(closes_at):%Y-%m-%d %H:%M} 届满，系统结束公示后"
                                     "即可签发拨付文件", code="notice_open")
        until = f"（{timezone.localtime(closes_at):%Y-%m-%d %H:%M} 截止）" if closes_at else ""
        return InvalidTransition(f"公示期尚未结束{until}，期满无异议后方可签发拨付文件", code="notice_open")
    if batch.state == S.BUREAU_SIGNED:
        return RuleViolation("市经信局已签发，须由市财政局工作人员会签", code="already_signed")
    if batch.state == S.NOTICE_CLOSED:
        return transition_refusal(batch, "sign_bureau", system=True)
    return None


@transaction.atomic
def batch_sign(*, batch: SettlementBatch, actor) -> SettlementBatch:
    """The bureau signs first, then a finance-bureau official co-signs (a different person of another role);
    the second signature issues the disbursement orders (a Celery task)."""
    if perms.is_bureau(actor) and batch.state == SettlementBatch.State.IN_NOTICE:
        batch_conclude_notice(batch_id=batch.pk)
    batch = _lock(batch.pk)
    if perms.is_bureau(actor):
        refusal = bureau_sign_refusal(batch, notice_due_concludes=False)
        if refusal is not None:
            raise refusal
        fire(batch, "sign_bureau", actor=actor, action="settlement.sign_bureau", changes={"bureau_signed_by": actor},
             payload={"total": batch_total(batch)})
        notify(subject=f"{batch.title}拨付文件待会签", roles=[Role.FINANCE_BUREAU], url=batch.get_absolute_url(),
               body=f"市经信局 {actor.username} 已签发，合计 {fmt(batch_total(batch))} 元。")
        return batch
    if perms.is_finance_bureau(actor):
        before_bureau = batch.state in (SettlementBatch.State.IN_NOTICE, SettlementBatch.State.NOTICE_CLOSED)
        districts = len(batch_districts(batch))
        fire(batch, "sign_finance", actor=actor, action="settlement.sign_finance",
             wrong_state="须先由市经信局签发，再由市财政局会签" if before_bureau else None,
             changes={"finance_signed_by": actor, "task_total": districts, "task_done": 0},
             payload={"total": batch_total(batch), "districts": districts})
        _enqueue("issue_disbursements", batch.pk)
        return batch
    raise NotPermitted("只有市经信局和市财政局可以签发拨付文件")


def batches_resume() -> dict:
    """Periodic safety net: re-enqueue the step of any batch left mid-task (e.g. after a worker crash)."""
    resumed = []
    for batch in SettlementBatch.objects.filter(Q(state=SettlementBatch.State.COLLECTING)
                                                | Q(state=SettlementBatch.State.ISSUING)):
        _enqueue("collect_batch" if batch.state == SettlementBatch.State.COLLECTING else "issue_disbursements",
                 batch.pk)
        resumed.append(batch.pk)
    return {"resumed": resumed}

