"""清退 (第十七条): proposed → confirmed by the bureau → announced (public notice) → removed."""
from django.conf import settings
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from hangqifu.core import clock

from . import _perms


class RemovalReason(models.TextChoices):
    """The eight grounds of 第十七条."""
    NO_ORDERS_FOR_A_YEAR = "no_orders_for_a_year", "连续一年未产生服务券订单"
    FAKE_TRANSACTIONS = "fake_transactions", "虚假交易或与企业串通套取资金"
    SUBCONTRACTING = "subcontracting", "服务转包、分包"
    REDEMPTION_MISMATCH = "redemption_mismatch", "兑付内容与审计不符"
    DISSATISFACTION = "dissatisfaction", "年度不满意率达到阈值或服务效益评价不合格"
    CONDITIONS_NOT_MET = "conditions_not_met", "不再符合入驻条件"
    REFUSES_SUPERVISION = "refuses_supervision", "拒不接受监督检查"
    OTHER = "other", "其他应予清退的情形"


class Removal(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", "已提议，待市经信局确认"
        CONFIRMED = "confirmed", "已确认，待公告"
        ANNOUNCED = "announced", "公告中"
        REMOVED = "removed", "已清退"
        CANCELLED = "cancelled", "已撤销"

    profile = models.ForeignKey("providers.ProviderProfile", verbose_name="服务机构", on_delete=models.PROTECT,
                                related_name="removals")
    reason = models.CharField("清退事由", max_length=30, choices=RemovalReason.choices)
    details = models.TextField("事实与依据")
    evidence = models.JSONField("评价数据", default=dict, blank=True,
                                help_text="系统提议时的统计依据（年度、评价数、不满意数、最近订单日期）")
    state = FSMField("状态", default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提议人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", help_text="为空表示系统自动提议")
    proposed_at = models.DateTimeField("提议时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_opinion = models.TextField("处理意见", blank=True)
    notice_id = models.PositiveBigIntegerField("公告编号", null=True, blank=True)
    removed_at = models.DateTimeField("清退时间", null=True, blank=True)

    class Meta:
        verbose_name = "清退"
        verbose_name_plural = "清退"
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["profile"], name="one_open_removal_per_provider",
                                    condition=models.Q(state__in=["proposed", "confirmed", "announced"])),
        ]

    def __str__(self):
        return f"{self.profile} · {self.get_reason_display()}"

    @transition(field=state, source=State.PROPOSED, target=State.CONFIRMED, permission=_perms.bureau,
                custom={"action": "confirm", "label": "确认清退"})
    def confirm(self):
        pass

    @transition(field=state, source=State.CONFIRMED, target=State.ANNOUNCED, permission=_perms.staff_reviewer,
                custom={"action": "announce", "label": "发布清退公告"})
    def announce(self):
        pass

    @transition(field=state, source=State.ANNOUNCED, target=State.REMOVED, permission=_perms.nobody)
    def complete(self):
        self.removed_at = clock.now()

    @transition(field=state, source=[State.PROPOSED, State.CONFIRMED], target=State.CANCELLED,
                permission=_perms.staff_reviewer, custom={"action": "cancel", "label": "撤销"})
    def cancel(self):
        pass

    @transition(field=state, source=State.ANNOUNCED, target=State.CANCELLED, permission=_perms.nobody)
    def objection_upheld(self):
        pass
