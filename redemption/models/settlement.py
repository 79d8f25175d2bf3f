"""定期分批兑付 (第十三条): settlement batches, disbursement orders (拨付文件) and district payments.

Batch FSM: open (dates announced) → collecting (a task collects the approved claims) → collected → approved
(bureau) → in_notice (public notice, one item per claim) → notice_closed → bureau_signed → issuing (a task
issues one disbursement order per district and one payment line per provider) → disbursed → completed (every
line paid); a batch that collected nothing → cancelled (service center). Every effect of a task is a UNIQUE
row, so a task that is rerun after a crash adds nothing twice."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, transition

from hangqifu.core import clock
from hangqifu.core.choices import District
from hangqifu.core.money import MONEY_FIELD_KWARGS
from hangqifu.workflows.conditions import condition

from .. import permissions as perms


def _has_claims(batch) -> bool:
    count = getattr(batch, "claim_count", None)  # annotated by the list query
    return batch.claims.exists() if count is None else count > 0


@condition(code="batch_empty", detail="本批次没有归集到兑付申请，无需审批（可由市工信服务中心取消本批次）")
def collected_claims(batch) -> bool:
    """第十三条: a batch pays the claims it collected; one that collected none has nothing to approve."""
    return _has_claims(batch)


@condition(code="batch_not_empty", detail="本批次已归集兑付申请，不能取消")
def collected_nothing(batch) -> bool:
    """第十三条: only a batch that collected no claim is cancelled; collected claims go on to be paid."""
    return not _has_claims(batch)


@condition(code="batch_empty", detail="公示后本批次没有可拨付的兑付申请")
def claims_left_after_notice(batch) -> bool:
    """第十一、十三条: the disbursement orders pay the claims that cleared the public notice; when every claim
    left the batch on an objection there is nothing to sign."""
    return _has_claims(batch)


@condition(code="same_signer", detail="签发与会签须由两位不同的工作人员完成")
def co_signer_is_not_the_first_signer(batch, actor) -> bool:
    """第十三条 (two signatures): the finance bureau's co-signature is a second person's — never the official
    who signed for the bureau, even one who has since moved to the finance bureau (also a CHECK constraint)."""
    return batch.bureau_signed_by_id != getattr(actor, "pk", None)


class SettlementBatch(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "已公布，受理中"
        COLLECTING = "collecting", "归集中"
        COLLECTED = "collected", "已归集，待审批"
        APPROVED = "approved", "已审批，待公示"
        IN_NOTICE = "in_notice", "公示中"
        NOTICE_CLOSED = "notice_closed", "公示结束，待会签"
        BUREAU_SIGNED = "bureau_signed", "市经信局已签，待市财政局会签"
        ISSUING = "issuing", "拨付文件生成中"
        DISBURSED = "disbursed", "已下达拨付，区县支付中"
        COMPLETED = "completed", "已全部支付"
        CANCELLED = "cancelled", "已取消（未归集到申请）"

    year = models.PositiveIntegerField("年度")
    sequence = models.PositiveIntegerField("年度批次序号")
    period_start = models.DateField("归集审批日期起")
    period_end = models.DateField("归集审批日期止")
    payment_expected_on = models.DateField("预计拨付日期", null=True, blank=True)
    announcement = models.TextField("批次公告", blank=True)
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.OPEN, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开立人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("开立时间")
    closed_at = models.DateTimeField("截止归集时间", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    notice = models.OneToOneField("notices.PublicNotice", verbose_name="兑付公示", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="settlement_batch")
    bureau_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="市经信局签发人", null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    bureau_signed_at = models.DateTimeField("市经信局签发时间", null=True, blank=True)
    finance_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="市财政局会签人", null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    finance_signed_at = models.DateTimeField("市财政局会签时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    task_total = models.PositiveIntegerField("当前任务总数", default=0)
    task_done = models.PositiveIntegerField("当前任务已完成", default=0)

    class Meta:
        verbose_name = "兑付结算批次"
        verbose_name_plural = "兑付结算批次"
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="settlement_batch_sequence_unique"),
            models.CheckConstraint(name="settlement_batch_period_ordered",
                                   condition=Q(period_end__gte=F("period_start"))),
            models.CheckConstraint(name="settlement_batch_two_signers",
                                   condition=Q(finance_signed_by__isnull=True)
                                   | (Q(bureau_signed_by__isnull=False) & ~Q(finance_signed_by=F("bureau_signed_by")))),
            models.CheckConstraint(name="settlement_batch_task_progress", condition=Q(task_done__lte=F("task_total"))),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return f"{self.year} 年第 {self.sequence} 批服务券兑付"

    @property
    def progress_percent(self) -> int:
        return int(self.task_done * 100 / self.task_total) if self.task_total else 100

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.COLLECTING, self.State.ISSUING)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("redemption:batch-detail", args=[self.pk])

    @transition(field=state, source=State.OPEN, target=State.COLLECTING, permission=perms.service_center,
                custom={"action": "close", "label": "截止并归集已审批申请"})
    def close(self):
        self.closed_at = clock.now()

    @transition(field=state, source=State.COLLECTING, target=State.COLLECTED, permission=perms.nobody)
    def finish_collecting(self):
        pass

    @transition(field=state, source=State.COLLECTED, target=State.CANCELLED, permission=perms.service_center,
                conditions=[collected_nothing], custom={"action": "cancel", "label": "取消空批次"})
    def cancel(self):
        """Only a batch that collected nothing (checked under the batch lock)."""

    @transition(field=state, source=State.COLLECTED, target=State.APPROVED, permission=perms.bureau,
                conditions=[collected_claims], custom={"action": "approve", "label": "审批结算批次"})
    def approve(self):
        self.approved_at = clock.now()

    @transition(field=state, source=State.APPROVED, target=State.IN_NOTICE, permission=perms.bureau,
                custom={"action": "publish", "label": "发布兑付公示"})
    def publish(self):
        pass

    @transition(field=state, source=State.IN_NOTICE, target=State.NOTICE_CLOSED, permission=perms.nobody)
    def conclude_notice(self):
        pass

    @transition(field=state, source=State.NOTICE_CLOSED, target=State.BUREAU_SIGNED, permission=perms.bureau,
                conditions=[claims_left_after_notice], custom={"action": "sign", "label": "市经信局签发"})
    def sign_bureau(self):
        self.bureau_signed_at = clock.now()

    @transition(field=state, source=State.BUREAU_SIGNED, target=State.ISSUING, permission=perms.finance_bureau,
                custom={"action": "sign", "label": "市财政局会签",
                        "actor_conditions": [co_signer_is_not_the_first_signer]})
    def sign_finance(self):
        self.finance_signed_at = clock.now()

    @transition(field=state, source=State.ISSUING, target=State.DISBURSED, permission=perms.nobody)
    def finish_issuing(self):
        pass

    @transition(field=state, source=State.DISBURSED, target=State.COMPLETED, permission=perms.nobody)
    def complete(self):
        self.completed_at = clock.now()


def disbursement_pdf_path(instance, filename: str) -> str:
    return f"disbursements/{instance.year}/{instance.year}-{instance.sequence}-{instance.district}.pdf"


class DisbursementOrder(models.Model):
    """拨付文件: the bureau and the finance bureau allocate a batch's money to one district."""

    batch = models.ForeignKey(SettlementBatch, verbose_name="结算批次", on_delete=models.PROTECT,
                              related_name="disbursement_orders")
    district = models.CharField("区县（市）", max_length=20, choices=District.choices)
    year = models.PositiveIntegerField("文号年度")
    sequence = models.PositiveIntegerField("文号序号")
    total = models.DecimalField("拨付总额（元）", **MONEY_FIELD_KWARGS)
    provider_count = models.PositiveIntegerField("服务机构数")
    claim_count = models.PositiveIntegerField("兑付申请数")
    issued_at = models.DateTimeField("下达时间")
    pdf = models.FileField("拨付文件 PDF", upload_to=disbursement_pdf_path, blank=True,
                           help_text="下达时生成并存档；存档后不再改变")

    class Meta:
        verbose_name = "拨付文件"
        verbose_name_plural = "拨付文件"
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "district"], name="disbursement_once_per_district"),
            models.UniqueConstraint(fields=["year", "sequence"], name="disbursement_number_unique"),
            models.CheckConstraint(name="disbursement_total_positive", condition=Q(total__gt=0)),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"杭经信兑〔{self.year}〕{self.sequence}号"

    def user_can_view(self, user) -> bool:
        return perms.can_view_disbursement(self, user)


class DistrictPayment(models.Model):
    """One payment a district makes to one provider for one batch, through 亲清在线 (outside the portal).
    pending → paid (confirmed with the QinQing reference); pending → failed → paid (retried)."""

    class State(models.TextChoices):
        PENDING = "pending", "待支付"
        FAILED = "failed", "支付失败，待重新支付"
        PAID = "paid", "已支付"

    batch = models.ForeignKey(SettlementBatch, verbose_name="结算批次", on_delete=models.PROTECT,
                              related_name="payments")
    disbursement_order = models.ForeignKey(DisbursementOrder, verbose_name="拨付文件", on_delete=models.PROTECT,
                                           related_name="payments")
    provider = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                 related_name="district_payments")
    district = models.CharField("区县（市）", max_length=20, choices=District.choices, db_index=True)
    amount = models.DecimalField("应付金额（元）", **MONEY_FIELD_KWARGS)
    claim_count = models.PositiveIntegerField("兑付申请数")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.PENDING, protected=True)
    reference = models.CharField("亲清在线支付流水号", max_length=100, blank=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    failure_count = models.PositiveIntegerField("失败次数", default=0)

    class Meta:
        verbose_name = "区县支付"
        verbose_name_plural = "区县支付"
        ordering = ["batch_id", "district", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "provider"], name="district_payment_once_per_provider"),
            models.CheckConstraint(name="district_payment_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="district_payment_paid_has_reference",
                                   condition=~Q(state="paid") | (~Q(reference="") & Q(paid_at__isnull=False))),
        ]
        indexes = [models.Index(fields=["district", "state"], name="district_payment_state_idx")]

    def __str__(self):
        return f"{self.batch} · {self.provider} · {self.amount} 元"

    def user_can_view(self, user) -> bool:
        return perms.can_view_payment(self, user)

    @transition(field=state, source=[State.PENDING, State.FAILED], target=State.PAID,
                permission=perms.payment_district, custom={"action": "confirm", "label": "确认已支付"})
    def confirm(self):
        self.confirmed_at = clock.now()

    @transition(field=state, source=[State.PENDING, State.FAILED], target=State.FAILED,
                permission=perms.payment_district, custom={"action": "fail", "label": "标记支付失败"})
    def fail(self):
        self.failure_count += 1
