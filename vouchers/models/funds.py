"""The year's voucher fund (第五条) and the issuance batches that release vouchers (第四、七条).

The database keeps the money limits whatever Python does: 0 ≤ deducted ≤ total for the fund and
0 ≤ remaining ≤ count for each voucher type; services change both only with conditional UPDATEs."""
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, transition

from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.money import MONEY_FIELD_KWARGS

from .. import permissions as perms


class Fund(models.Model):
    """服务券资金: one per year. `deducted` grows only with deductions (先用先得: claims reserve nothing here)."""

    year = models.PositiveIntegerField("年度", unique=True)
    total = models.DecimalField("年度资金总额（元）", **MONEY_FIELD_KWARGS)
    deducted = models.DecimalField("已抵扣（元）", **MONEY_FIELD_KWARGS, default=Decimal("0.00"))
    class ExhaustionCause(models.TextChoices):
        REMAINDER_ZERO = "remainder_zero", "资金余额为零"
        DECLARED = "declared", "市经信局确认资金总额不足"

    exhausted_at = models.DateTimeField("资金用尽时间", null=True, blank=True,
                                        help_text="余额为零或市经信局确认资金不足时记录；当年未使用的服务券随之作废")
    exhaustion_cause = models.CharField("用尽原因", max_length=20, choices=ExhaustionCause.choices, blank=True,
                                        default="", db_default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设立人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("设立时间", auto_now_add=True)

    class Meta:
        verbose_name = "年度服务券资金"
        verbose_name_plural = "年度服务券资金"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(name="fund_total_positive", condition=Q(total__gt=0)),
            models.CheckConstraint(name="fund_deducted_within_total",
                                   condition=Q(deducted__gte=0) & Q(deducted__lte=F("total"))),
        ]

    def __str__(self):
        return f"{self.year} 年度服务券资金"

    @property
    def available(self) -> Decimal:
        return self.total - self.deducted

    @property
    def used_percent(self) -> int:
        return int(self.deducted * 100 / self.total) if self.total else 0


def default_valid_until(year: int) -> date:
    """Vouchers are valid to 31 December of their year unless the batch says otherwise (第四条)."""
    return date(year, 12, 31)


class IssuanceBatch(models.Model):
    """发放批次: the bureau opens it; claims are accepted between opens_at and closes_at."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "已发布"
        CLOSED = "closed", "已结束"

    year = models.PositiveIntegerField("年度", db_index=True)
    title = models.CharField("批次名称", max_length=100)
    opens_at = models.DateTimeField("开始领取时间")
    closes_at = models.DateTimeField("截止领取时间")
    valid_until = models.DateField("服务券有效期至")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    opened_at = models.DateTimeField("发布时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "服务券发放批次"
        verbose_name_plural = "服务券发放批次"
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(name="batch_window_ordered", condition=Q(closes_at__gt=F("opens_at"))),
        ]

    def __str__(self):
        return self.title

    def is_claimable(self, when=None) -> bool:
        when = when or clock.now()
        return self.state == self.State.OPEN and self.opens_at <= when < self.closes_at

    @property
    def window_label(self) -> str:
        now = clock.now()
        if self.state == self.State.DRAFT:
            return "未发布"
        if self.state == self.State.CLOSED or now >= self.closes_at:
            return "已结束"
        return "领取中" if now >= self.opens_at else "即将开始"

    @transition(field=state, source=State.DRAFT, target=State.OPEN, permission=perms.bureau,
                custom={"action": "open", "label": "发布批次"})
    def open(self):
        self.opened_at = clock.now()

    @transition(field=state, source=State.OPEN, target=State.CLOSED, permission=perms.bureau,
                custom={"action": "close", "label": "结束批次"})
    def close(self):
        self.closed_at = clock.now()


class VoucherType(models.Model):
    """One voucher type of a batch: a service category, a face value and the number of slots claims race for."""

    batch = models.ForeignKey(IssuanceBatch, verbose_name="批次", on_delete=models.PROTECT,
                              related_name="voucher_types")
    category = models.CharField("服务类别", max_length=30, choices=ServiceCategory.choices)
    face_value = models.DecimalField("面额（元）", **MONEY_FIELD_KWARGS)
    count = models.PositiveIntegerField("发放数量")
    remaining = models.PositiveIntegerField("剩余数量")

    class Meta:
        verbose_name = "服务券券种"
        verbose_name_plural = "服务券券种"
        ordering = ["batch_id", "category", "face_value"]
        constraints = [
            models.CheckConstraint(name="voucher_type_remaining_within_count",
                                   condition=Q(remaining__gte=0) & Q(remaining__lte=F("count"))),
            models.CheckConstraint(name="voucher_type_face_positive", condition=Q(face_value__gt=0)),
            models.CheckConstraint(name="voucher_type_count_positive", condition=Q(count__gt=0)),
            models.UniqueConstraint(fields=["batch", "category", "face_value"], name="voucher_type_unique_in_batch"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.face_value} 元券"

    @property
    def claimed(self) -> int:
        return self.count - self.remaining

    @property
    def claimed_percent(self) -> int:
        return int(self.claimed * 100 / self.count) if self.count else 0
