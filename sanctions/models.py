from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from hangqifu.accounts.predicates import bureau


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
        db_table = "audit_sanction"  # the table keeps the name it had in the audit app
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

    @transition(field=state, source=State.ACTIVE, target=State.LIFTED, permission=bureau,
                custom={"action": "lift", "label": "撤销处理决定"})
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
        db_table = "audit_creditrecord"  # the table keeps the name it had in the audit app
        verbose_name = "信用档案记录"
        verbose_name_plural = "信用档案记录"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.organisation}：{self.content[:30]}"
