"""Orders of listed products (第十条) and the one deduction an order may take (第八条).

Order FSM: signed → completed (provider, with service records) → rated (buyer) → deducted (buyer applies a
voucher); signed → cancelled. Redemption (`redemption/`, 第十二条) takes the order on from `deducted`.
Deduction: UNIQUE per order; CHECK amount ≤ order_amount × ratio with the ratio and amount stored on the row."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, transition

from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.money import MONEY_FIELD_KWARGS
from hangqifu.documents.selectors import documents_for
from hangqifu.workflows.conditions import condition
from registration.models import SizeClass

from .. import permissions as perms

ORDER_DOCUMENT_KINDS = ("contract", "stamped_commitment_letter", "service_record")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


@condition(code="commitment_letter_missing", detail="购买方上传盖章承诺书后才能确认服务完成")
def buyer_letter_stamped(order) -> bool:
    """第十条: the buyer signs and stamps the commitment letter (划型及用券承诺书) and uploads it back before
    the provider may confirm the service complete."""
    return documents_for(order, "stamped_commitment_letter").exists()


class Order(models.Model):
    class State(models.TextChoices):
        SIGNED = "signed", "已签约"
        COMPLETED = "completed", "服务已完成"
        RATED = "rated", "已评价"
        DEDUCTED = "deducted", "已抵扣"
        CANCELLED = "cancelled", "已取消"

    Satisfaction = Satisfaction

    buyer = models.ForeignKey("accounts.Organisation", verbose_name="购买方", on_delete=models.PROTECT,
                              related_name="orders")
    buyer_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="下单人", on_delete=models.PROTECT,
                                   related_name="+")
    provider = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                 related_name="provider_orders")
    product = models.ForeignKey("providers.Product", verbose_name="服务产品", on_delete=models.PROTECT,
                                related_name="orders")
    year = models.PositiveIntegerField("年度", db_index=True)
    category = models.CharField("服务类别", max_length=30, choices=ServiceCategory.choices)
    product_title = models.CharField("产品名称（下单时）", max_length=200)
    product_price = models.DecimalField("产品标价（下单时，元）", **MONEY_FIELD_KWARGS)
    amount = models.DecimalField("合同实际金额（元）", **MONEY_FIELD_KWARGS)
    buyer_size_class = models.CharField("购买方规模（划型）", max_length=20, blank=True)
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.SIGNED, protected=True)
    signed_at = models.DateTimeField("签约时间")
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completion_note = models.TextField("服务完成说明", blank=True)
    satisfaction = models.CharField("满意度", max_length=30, choices=Satisfaction.choices, blank=True)
    rating_comment = models.TextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    deducted_at = models.DateTimeField("抵扣时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务订单"
        verbose_name_plural = "服务订单"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(name="order_amount_positive", condition=Q(amount__gt=0))]
        indexes = [
            models.Index(fields=["buyer", "state"], name="order_buyer_state_idx"),
            models.Index(fields=["provider", "state"], name="order_provider_state_idx"),
            models.Index(fields=["signed_at"], name="order_signed_at_idx"),  # dashboard date ranges
        ]

    def __str__(self):
        return f"{self.number} {self.product_title}"

    @property
    def number(self) -> str:
        return f"D{self.year}{self.pk:07d}" if self.pk else "—"

    @property
    def buyer_size_label(self) -> str:
        return dict(SizeClass.choices).get(self.buyer_size_class, self.buyer_size_class)

    def user_can_view(self, user) -> bool:
        return perms.can_view_order(self, user)

    @transition(field=state, source=State.SIGNED, target=State.COMPLETED, permission=perms.order_provider,
                conditions=[buyer_letter_stamped], custom={"label": "确认服务完成"})
    def complete(self):
        self.completed_at = clock.now()

    @transition(field=state, source=State.COMPLETED, target=State.RATED, permission=perms.order_buyer,
                custom={"label": "满意度评价"})
    def rate(self):
        self.rated_at = clock.now()

    @transition(field=state, source=State.RATED, target=State.DEDUCTED, permission=perms.order_buyer,
                custom={"label": "使用服务券抵扣"})
    def deduct(self):
        self.deducted_at = clock.now()

    @transition(field=state, source=State.SIGNED, target=State.CANCELLED, permission=perms.order_party,
                custom={"label": "取消订单"})
    def cancel(self):
        self.cancelled_at = clock.now()


class Deduction(models.Model):
    """抵扣: voucher money applied to one order. Moves the fund's `deducted`, the qualification's `used` and the
    voucher's `balance` in one transaction, each with a conditional UPDATE."""

    order = models.OneToOneField(Order, verbose_name="订单", on_delete=models.PROTECT, related_name="deduction")
    voucher = models.ForeignKey("vouchers.Voucher", verbose_name="服务券", on_delete=models.PROTECT,
                                related_name="deductions")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="抵扣主体", on_delete=models.PROTECT,
                                     related_name="deductions")
    qualification = models.ForeignKey("registration.Qualification", verbose_name="年度资格", on_delete=models.PROTECT,
                                      related_name="deductions")
    fund = models.ForeignKey("vouchers.Fund", verbose_name="年度资金", on_delete=models.PROTECT,
                             related_name="deductions")
    year = models.PositiveIntegerField("年度", db_index=True)
    amount = models.DecimalField("抵扣金额（元）", **MONEY_FIELD_KWARGS)
    order_amount = models.DecimalField("订单实际金额（元）", **MONEY_FIELD_KWARGS)
    ratio = models.DecimalField("适用抵扣比例", max_digits=4, decimal_places=3)
    declares_no_other_subsidy = models.BooleanField("声明未享受对标提升、创新券、数改券支持")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("抵扣时间")

    class Meta:
        verbose_name = "服务券抵扣"
        verbose_name_plural = "服务券抵扣"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="deduction_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="deduction_within_ratio",
                                   condition=Q(amount__lte=F("order_amount") * F("ratio"))),
            models.CheckConstraint(name="deduction_ratio_0_1", condition=Q(ratio__gte=0) & Q(ratio__lte=1)),
            models.CheckConstraint(name="deduction_declared_no_other_subsidy",
                                   condition=Q(declares_no_other_subsidy=True)),
        ]
        indexes = [models.Index(fields=["created_at"], name="deduction_created_at_idx")]  # dashboard date ranges

    def __str__(self):
        return f"订单 {self.order.number} 抵扣 {self.amount} 元"

    def user_can_view(self, user) -> bool:
        return perms.can_view_order(self.order, user)
