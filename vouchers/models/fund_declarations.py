"""资金总额不足的认定 (第四条 "该年度服务券资金总额不足时自动作废").

A year's unused vouchers are voided when the fund's remainder reaches zero, or when the bureau declares the fund
insufficient before that: one bureau official proposes with a reason and the figures of that moment, a different
official confirms (two people), and the confirmation voids the year. At most one proposal is open per fund."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from hangqifu.core.money import MONEY_FIELD_KWARGS

from .. import permissions as perms


def _second_bureau_official(declaration, user) -> bool:
    """The confirmation is a second person's: a bureau official other than the proposer."""
    return perms.is_bureau(user) and user.pk != declaration.proposed_by_id


class FundInsufficiencyDeclaration(models.Model):
    class State(models.TextChoices):
        PROPOSED = "proposed", "待确认"
        CONFIRMED = "confirmed", "已确认（当年服务券已作废）"
        WITHDRAWN = "withdrawn", "已撤回"

    fund = models.ForeignKey("vouchers.Fund", verbose_name="年度资金", on_delete=models.PROTECT,
                             related_name="insufficiency_declarations")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.PROPOSED, protected=True)
    reason = models.TextField("认定理由")
    remainder_at_proposal = models.DecimalField("提出时资金余额（元）", **MONEY_FIELD_KWARGS)
    live_count_at_proposal = models.PositiveIntegerField("提出时未使用服务券（张）")
    live_balance_at_proposal = models.DecimalField("提出时未使用服务券余额（元）", **MONEY_FIELD_KWARGS)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认/撤回人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("确认/撤回时间", null=True, blank=True)
    decision_note = models.TextField("确认/撤回意见", blank=True, default="")
    remainder_at_decision = models.DecimalField("确认时资金余额（元）", null=True, blank=True, **MONEY_FIELD_KWARGS)
    voided_count = models.PositiveIntegerField("作废服务券（张）", null=True, blank=True)
    voided_amount = models.DecimalField("作废服务券余额（元）", null=True, blank=True, **MONEY_FIELD_KWARGS)

    class Meta:
        verbose_name = "资金总额不足认定"
        verbose_name_plural = "资金总额不足认定"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["fund"], condition=Q(state="proposed"),
                                    name="fund_insufficiency_one_open_proposal"),
            models.UniqueConstraint(fields=["fund"], condition=Q(state="confirmed"),
                                    name="fund_insufficiency_confirmed_once"),
            models.CheckConstraint(name="fund_insufficiency_two_people",
                                   condition=Q(decided_by__isnull=True) | ~Q(state="confirmed")
                                   | ~Q(decided_by=models.F("proposed_by"))),
        ]

    def __str__(self):
        return f"{self.fund.year} 年度资金总额不足认定（{self.get_state_display()}）"

    @transition(field=state, source=State.PROPOSED, target=State.CONFIRMED, permission=_second_bureau_official,
                custom={"label": "确认资金不足并作废当年服务券"})
    def confirm(self):
        pass

    @transition(field=state, source=State.PROPOSED, target=State.WITHDRAWN, permission=perms.bureau,
                custom={"label": "撤回"})
    def withdraw(self):
        pass
