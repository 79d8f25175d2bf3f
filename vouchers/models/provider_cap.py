"""第十二条 counted where the money moves: Σ deductions a provider takes in a service year ≤ its annual cap.

Every yuan a deduction applies to a provider's order is a yuan the provider will claim for that year (approved,
pending or not yet claimed), so the deduction — not the later approval — is where the cap is kept: a buyer never
spends fund and quota on a provider who could then never be repaid."""
from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from hangqifu.core.money import MONEY_FIELD_KWARGS


class ProviderServiceYear(models.Model):
    provider = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                 related_name="+")
    year = models.PositiveIntegerField("服务年度（抵扣年度）")
    cap = models.DecimalField("年度兑付上限（元）", **MONEY_FIELD_KWARGS)
    deducted = models.DecimalField("已抵扣（元，含已审批、审核中、未申请兑付）", **MONEY_FIELD_KWARGS,
                                   default=Decimal("0.00"))

    class Meta:
        verbose_name = "服务机构年度抵扣占用"
        verbose_name_plural = "服务机构年度抵扣占用"
        ordering = ["-year", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "year"], name="provider_service_year_unique"),
            models.CheckConstraint(name="provider_service_year_within_cap",
                                   condition=Q(deducted__gte=0) & Q(deducted__lte=F("cap"))),
        ]

    def __str__(self):
        return f"{self.provider} {self.year} 年已抵扣 {self.deducted} / {self.cap} 元"

    @property
    def remaining(self) -> Decimal:
        return max(self.cap - self.deducted, Decimal("0.00"))
