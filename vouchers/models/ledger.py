"""The money ledger: one immutable entry per movement (I7 traceability). Append-only on PostgreSQL (a trigger
refuses UPDATE and DELETE); UNIQUE partial indexes make each once-only movement happen once.

Kinds and what they mean for the balances (`verify_ledger` checks them all):
- claim      a voucher of `amount` (its face value) issued to `organisation` — reserves quota, not fund money;
- deduction  `amount` of a voucher applied to an order — fund.deducted, qualification.used grow, balance falls;
- void       a voucher's remaining balance `amount` voided (fund exhausted, qualification suspended/revoked);
- expiry     a voucher's remaining balance `amount` lapsed at the end of its validity;
- redemption / payment  recorded by the redemption workflow (`redemption/`: claim approved / district paid);
- reversal   `amount` of a deduction obtained by fraud, to be recovered (第二十条, `supervision.recovery`): at most one
             per deduction and never more than it; the fund is not replenished (recovered money returns to the
             treasury, not to this year's voucher budget)."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from hangqifu.core.money import MONEY_FIELD_KWARGS


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        CLAIM = "claim", "领券"
        DEDUCTION = "deduction", "抵扣"
        VOID = "void", "作废"
        EXPIRY = "expiry", "过期"
        REDEMPTION = "redemption", "兑付"
        PAYMENT = "payment", "拨付"
        REVERSAL = "reversal", "追回冲销"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    year = models.PositiveIntegerField("年度")
    amount = models.DecimalField("金额（元）", **MONEY_FIELD_KWARGS)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="相关主体", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey("vouchers.Fund", verbose_name="年度资金", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="ledger_entries")
    voucher = models.ForeignKey("vouchers.Voucher", verbose_name="服务券", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="ledger_entries")
    order = models.ForeignKey("vouchers.Order", verbose_name="订单", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="ledger_entries")
    deduction = models.ForeignKey("vouchers.Deduction", verbose_name="抵扣", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="ledger_entries")
    reference = models.CharField("关联单据", max_length=100, blank=True,
                                 help_text="兑付申请、拨付文件、区县支付流水等外部单据编号")
    memo = models.CharField("摘要", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    business_time = models.DateTimeField("业务时间")
    recorded_at = models.DateTimeField("记账时间", auto_now_add=True)

    class Meta:
        verbose_name = "资金台账分录"
        verbose_name_plural = "资金台账"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="ledger_amount_non_negative", condition=Q(amount__gte=0)),
            models.UniqueConstraint(fields=["voucher"], condition=Q(kind="claim"), name="ledger_claim_once"),
            models.UniqueConstraint(fields=["voucher"], condition=Q(kind__in=["void", "expiry"]),
                                    name="ledger_voucher_ends_once"),
            models.UniqueConstraint(fields=["deduction"], condition=Q(kind="deduction"),
                                    name="ledger_deduction_once"),
            models.UniqueConstraint(fields=["deduction"], condition=Q(kind="reversal"),
                                    name="ledger_reversal_once"),
        ]
        indexes = [models.Index(fields=["year", "kind"], name="ledger_year_kind_idx")]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.amount} 元"
