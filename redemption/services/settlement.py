"""Settlement batches (第十一、十三条): open and announce → collect approved claims (task) → bureau approves →
public notice → bureau and finance bureau sign → disbursement orders per district and payment lines per
provider (task). The steps the tasks run have their own modules — collecting (collection.py), ending the
notice (notice_conclusion.py), issuing (disbursement.py) — and this one starts them. Each task step is its own
transaction whose effect is a UNIQUE row, so a task killed midway and run again completes the work without
doing any part twice.

Lock order: settlement batch → claim → claim lines → payment."""
from datetime import date

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.roles import Role
from hangqifu.audit.services import audit_record
from hangqifu.core import clock
from hangqifu.core.errors import DomainError, InvalidInput, InvalidTransition, NotPermitted, RuleViolation
from hangqifu.core.money import fmt
from hangqifu.core.outbox import enqueue_after_commit
from hangqifu.notices.models import PublicNotice
from hangqifu.notices.services import notice_publish
from hangqifu.notifications.services import notify
from hangqifu.workflows.transitions import fire, transition_check, transition_refusal

from .. import permissions as perms
from ..models import RedemptionClaim, SettlementBatch
from ..models.claims import claim_number
from ..tasks import collect_batch, issue_disbursements
from .batch_base import Ref, _lock, batch_total
from .collection import collectable
from .disbursement import batch_districts
from .notice_conclusion import batch_conclude_notice

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


# --- close: the collection runs as a task (collection.py) -----------------------------------------------

@transaction.atomic
def batch_close(*, batch: SettlementBatch, actor) -> SettlementBatch:
    """Stop accepting and start collecting the approved claims (a Celery task; progress on the batch page)."""
    batch = _lock(batch.pk)
    transition_check(batch, "close", actor=actor, denied="只有市工信服务中心可以截止归集")
    batch.task_total, batch.task_done = collectable(batch).count(), 0
    fire(batch, "close", actor=actor, action="settlement.close", fields=["closed_at", "task_total", "task_done"],
         payload={"to_collect": batch.task_total})
    enqueue_after_commit(collect_batch, batch.pk)  # survives a broker outage (transactional outbox)
    return batch


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
        enqueue_after_commit(issue_disbursements, batch.pk)  # survives a broker outage (transactional outbox)
        return batch
    raise NotPermitted("只有市经信局和市财政局可以签发拨付文件")


def batches_resume() -> dict:
    """Periodic safety net: re-enqueue the step of any batch left mid-task (e.g. after a worker crash)."""
    resumed = []
    for batch in SettlementBatch.objects.filter(Q(state=SettlementBatch.State.COLLECTING)
                                                | Q(state=SettlementBatch.State.ISSUING)):
        task = collect_batch if batch.state == SettlementBatch.State.COLLECTING else issue_disbursements
        enqueue_after_commit(task, batch.pk)
        resumed.append(batch.pk)
    return {"resumed": resumed}

