from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change or money movement. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE;
    each event carries the SHA-256 of the previous one (UNIQUE, so the chain cannot fork)."""

    occurred_at = models.DateTimeField("记录时间")
    business_time = models.DateTimeField("业务时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="组织", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    action = models.CharField("动作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    from_state = models.CharField("原状态", max_length=50, blank=True)
    to_state = models.CharField("新状态", max_length=50, blank=True)
    payload = models.JSONField("内容", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    prev_hash = models.CharField("前一事件哈希", max_length=64, unique=True)
    hash = models.CharField("哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


# --- Supervision (第十八–二十条): sanctions, credit records, complaints, chain checks ----------------------

from django_fsm import FSMField, transition  # noqa: E402

from hangqifu.accounts.roles import Role  # noqa: E402


def _is_bureau(instance, user) -> bool:
    return user.has_role(Role.BUREAU)


class Sanction(models.Model):
    """第二十条: 虚报、冒领 → the organisation is banned from service vouchers and other policy funds."""

    class State(models.TextChoices):
        ACTIVE = "active", "生效中"
        LIFTED = "lifted", "已撤销"

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="被处理组织", on_delete=models.PROTECT,
                                      related_name="sanctions")
    reason = models.TextField("处理事由")
    ban_years = models.PositiveSmallIntegerField("禁止年限")
    starts_on = models.DateField("禁止起始日")
    ends_on = models.DateField("禁止截止日（含）")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("决定时间")
    state = FSMField("状态", default=State.ACTIVE, choices=State.choices, protected=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField("撤销时间", null=True, blank=True)
    lift_reason = models.TextField("撤销理由", blank=True)

    class Meta:
        verbose_name = "违规处理（禁止使用）"
        verbose_name_plural = "违规处理（禁止使用）"
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "state", "ends_on"], name="sanction_org_active_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="sanction_ends_after_start"),
            models.CheckConstraint(condition=models.Q(ban_years__gte=1), name="sanction_ban_years_positive"),
        ]

    def __str__(self):
        return f"{self.organisation} 禁止至 {self.ends_on:%Y-%m-%d}"

    def covers(self, day) -> bool:
        return self.state == self.State.ACTIVE and self.starts_on <= day <= self.ends_on

    @transition(field=state, source=State.ACTIVE, target=State.LIFTED, permission=_is_bureau,
                custom={"label": "撤销处理决定"})
    def lift(self):
        """Only by the bureau, e.g. after an administrative reconsideration overturns the decision."""


class CreditRecord(models.Model):
    """不良记录计入信用档案: one line in the organisation's credit file, written with each decision."""

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="组织", on_delete=models.PROTECT,
                                     related_name="credit_records")
    sanction = models.ForeignKey(Sanction, verbose_name="处理决定", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="credit_records")
    content = models.TextField("记录内容")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "信用档案记录"
        verbose_name_plural = "信用档案记录"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.organisation}：{self.content[:30]}"


def _is_complaint_handler(instance, user) -> bool:
    return user.has_role(Role.SERVICE_CENTER)


class Complaint(models.Model):
    """第十八条: anyone may complain; the service center investigates within a deadline in working days."""

    class State(models.TextChoices):
        RECEIVED = "received", "已受理"
        INVESTIGATING = "investigating", "调查中"
        RESOLVED = "resolved", "已办结"
        DISMISSED = "dismissed", "不予支持"

    OPEN_STATES = (State.RECEIVED, State.INVESTIGATING)

    tracking_number = models.CharField("投诉编号", max_length=20, unique=True)
    state = FSMField("状态", default=State.RECEIVED, choices=State.choices, protected=True)
    complainant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="投诉人账号", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="complaints")
    complainant_name = models.CharField("投诉人", max_length=100)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    subject = models.CharField("标题", max_length=200)
    content = models.TextField("投诉内容")
    object_type = models.CharField("投诉对象类型", max_length=100, blank=True)
    object_id = models.CharField("投诉对象编号", max_length=64, blank=True)
    filed_at = models.DateTimeField("受理时间")
    due_on = models.DateField("答复期限")
    due_on_provisional = models.BooleanField("期限暂定", default=False,
                                             help_text="期限跨越尚未公布官方节假日安排的年份，按周一至周五暂算")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="handled_complaints")
    investigation_started_at = models.DateTimeField("开始调查时间", null=True, blank=True)
    findings = models.TextField("调查结论", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    overdue_notified_on = models.DateField("逾期提醒日期", null=True, blank=True)

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "due_on"], name="complaint_state_due_idx"),
                   models.Index(fields=["object_type", "object_id"], name="complaint_object_idx")]

    def __str__(self):
        return f"{self.tracking_number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, today=None) -> bool:
        from hangqifu.core import clock

        return self.is_open and (today or clock.today()) > self.due_on

    @transition(field=state, source=State.RECEIVED, target=State.INVESTIGATING, permission=_is_complaint_handler,
                custom={"label": "开始调查（由我承办）"})
    def start_investigation(self):
        pass

    @transition(field=state, source=State.INVESTIGATING, target=State.RESOLVED, permission=_is_complaint_handler,
                custom={"label": "办结（投诉属实/已处理）", "form": "audit.forms.FindingsForm"})
    def resolve(self):
        pass

    @transition(field=state, source=State.INVESTIGATING, target=State.DISMISSED, permission=_is_complaint_handler,
                custom={"label": "不予支持", "form": "audit.forms.FindingsForm"})
    def dismiss(self):
        pass


class ChainCheck(models.Model):
    """One run of the audit-chain verification (the `verify_audit` check), kept to show when it last ran."""

    checked_at = models.DateTimeField("核验时间")
    business_date = models.DateField("业务日期")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核验人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    events_checked = models.PositiveBigIntegerField("核验事件数")
    broken_event_id = models.BigIntegerField("首个异常事件", null=True, blank=True)

    class Meta:
        verbose_name = "审计链核验"
        verbose_name_plural = "审计链核验"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'完整' if self.ok else '异常'}"

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None
