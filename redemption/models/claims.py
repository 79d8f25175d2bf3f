"""兑付申请 (第十一条): a provider's claim, with documents, to be repaid the voucher deductions of its orders.

Claim FSM: draft → submitted → pre_reviewed (service center) → approved (bureau) → in_settlement (collected
into a settlement batch, which records the provider's district of that moment as the district that pays it) →
paid (district confirms); submitted/pre_reviewed → returned → submitted; draft/returned → withdrawn
(provider); submitted/pre_reviewed/returned → rejected; approved/in_settlement → rejected when an objection to
its public notice is upheld; in_settlement → approved when an objection holds it at the end of the notice (it
leaves the batch for investigation and waits for the next one).

The database keeps the once-only rules: an order is in one live claim line only (partial UNIQUE over lines
whose claim was not withdrawn) and redeemed at most once (UNIQUE `redeemed_order`, set at approval)."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, transition

from hangqifu.core import clock
from hangqifu.core.choices import District
from hangqifu.core.money import MONEY_FIELD_KWARGS

from .. import permissions as perms

CLAIM_DOCUMENT_KINDS = ("contract", "invoice", "bank_receipt", "commitment_letter", "service_evidence", "other")
# 第十一条: every claim carries these; `bank_receipt` is the bank receipt or, for a public institution, the
# government non-tax receipt (财政票据) uploaded under the same kind.
REQUIRED_DOCUMENT_KINDS = ("contract", "invoice", "bank_receipt", "commitment_letter", "service_evidence")
EDITABLE_STATES = ("draft", "returned")


def claim_number(pk: int | None, created_at) -> str:
    """兑付申请编号 DF<year><id>: the UTC year of its creation, the id zero-padded to six digits; also used by the
    set-based steps that read claims as plain rows."""
    year = (created_at or clock.now()).year
    return f"DF{year}{pk:06d}" if pk else "—"


class RedemptionClaim(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待形式预审"
        RETURNED = "returned", "退回补正"
        PRE_REVIEWED = "pre_reviewed", "预审通过，待审批"
        APPROVED = "approved", "已审批，待结算"
        IN_SETTLEMENT = "in_settlement", "结算中"
        PAID = "paid", "已支付"
        REJECTED = "rejected", "不予兑付"
        WITHDRAWN = "withdrawn", "已撤回"

    provider = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                 related_name="redemption_claims")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT,
                                   related_name="+")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.DRAFT, protected=True)
    claimed_amount = models.DecimalField("申请兑付金额（元）", **MONEY_FIELD_KWARGS, default=Decimal("0.00"))
    verified_amount = models.DecimalField("核定兑付金额（元）", **MONEY_FIELD_KWARGS, null=True, blank=True)
    is_public_institution = models.BooleanField("事业单位（以财政票据代替银行回单）", default=False)
    created_at = models.DateTimeField("创建时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    pre_review_opinion = models.TextField("形式预审意见", blank=True)
    pre_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="预审人", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    pre_reviewed_at = models.DateTimeField("预审时间", null=True, blank=True)
    decision_opinion = models.TextField("审批/退回意见", blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    cap_year = models.PositiveIntegerField("计入年度兑付上限的年度", null=True, blank=True)
    batch = models.ForeignKey("redemption.SettlementBatch", verbose_name="结算批次", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="claims")
    settlement_district = models.CharField(
        "拨付区县", max_length=20, choices=District.choices, null=True, blank=True,
        help_text="归集进入结算批次时服务机构所在区县，由该区县拨付（此后机构迁址不改变）；不在批次中时为空")
    payment = models.ForeignKey("redemption.DistrictPayment", verbose_name="区县支付", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="claims")
    under_investigation = models.BooleanField("公示异议调查中", default=False)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "兑付申请"
        verbose_name_plural = "兑付申请"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="claim_amount_non_negative", condition=Q(claimed_amount__gte=0)),
            models.CheckConstraint(name="claim_verified_within_claimed",
                                   condition=Q(verified_amount__isnull=True) | (
                                       Q(verified_amount__gte=0) & Q(verified_amount__lte=F("claimed_amount")))),
            models.CheckConstraint(name="claim_approved_has_cap_year",
                                   condition=~Q(state__in=["approved", "in_settlement", "paid"])
                                   | Q(cap_year__isnull=False, verified_amount__isnull=False)),
            models.CheckConstraint(name="claim_in_settlement_has_batch",
                                   condition=~Q(state="in_settlement") | Q(batch__isnull=False)),
            # a claim in a batch is paid by the district recorded when the batch collected it
            models.CheckConstraint(name="claim_in_batch_has_settlement_district",
                                   condition=Q(batch__isnull=True, settlement_district__isnull=True)
                                   | Q(batch__isnull=False, settlement_district__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["provider", "state"], name="claim_provider_state_idx"),
            models.Index(fields=["state", "approved_at"], name="claim_state_approved_idx"),
        ]

    def __str__(self):
        return f"兑付申请 {self.number}"

    @property
    def number(self) -> str:
        return claim_number(self.pk, self.created_at)

    @property
    def organisation(self):
        """The party the claim belongs to (audit trail, notices and notifications read `organisation`)."""
        return self.provider

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def user_can_view(self, user) -> bool:
        return perms.can_view_claim(self, user)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("redemption:claim-detail", args=[self.pk])

    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED,
                permission=perms.claim_owner, custom={"label": "提交兑付申请"})
    def submit(self):
        self.submitted_at = clock.now()

    @transition(field=state, source=State.SUBMITTED, target=State.PRE_REVIEWED, permission=perms.service_center,
                custom={"label": "形式预审通过"})
    def pre_review(self):
        self.pre_reviewed_at = clock.now()

    @transition(field=state, source=[State.SUBMITTED, State.PRE_REVIEWED], target=State.RETURNED,
                permission=perms.reviewer, custom={"label": "退回补正"})
    def return_for_correction(self):
        pass

    @transition(field=state, source=State.PRE_REVIEWED, target=State.APPROVED, permission=perms.bureau,
                custom={"label": "审批通过"})
    def approve(self):
        self.approved_at = clock.now()

    @transition(field=state, source=[State.SUBMITTED, State.PRE_REVIEWED, State.RETURNED], target=State.REJECTED,
                permission=perms.reviewer, custom={"label": "不予兑付"})
    def reject(self):
        self.closed_at = clock.now()

    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.WITHDRAWN,
                permission=perms.claim_owner, custom={"label": "撤回申请"})
    def withdraw(self):
        self.closed_at = clock.now()

    @transition(field=state, source=State.APPROVED, target=State.IN_SETTLEMENT, permission=perms.nobody)
    def enter_settlement(self):
        pass

    @transition(field=state, source=State.IN_SETTLEMENT, target=State.APPROVED, permission=perms.nobody)
    def leave_settlement(self):
        pass

    @transition(field=state, source=[State.APPROVED, State.IN_SETTLEMENT], target=State.REJECTED,
                permission=perms.nobody)
    def revoke_after_objection(self):
        self.closed_at = clock.now()

    @transition(field=state, source=State.IN_SETTLEMENT, target=State.PAID, permission=perms.nobody)
    def mark_paid(self):
        self.paid_at = clock.now()
        self.closed_at = self.paid_at


class ClaimLine(models.Model):
    """One deducted order in a claim. `amount` is the order's deduction (what the government repays);
    the provider's VAT invoice to the buyer must be for order amount − deduction (第十一条)."""

    claim = models.ForeignKey(RedemptionClaim, verbose_name="兑付申请", on_delete=models.CASCADE,
                              related_name="lines")
    order = models.ForeignKey("vouchers.Order", verbose_name="订单", on_delete=models.PROTECT,
                              related_name="redemption_lines")
    deduction = models.ForeignKey("vouchers.Deduction", verbose_name="抵扣", on_delete=models.PROTECT,
                                  related_name="redemption_lines")
    invoice_number = models.CharField("发票号码", max_length=50)
    invoice_amount = models.DecimalField("发票金额（元）", **MONEY_FIELD_KWARGS)
    amount = models.DecimalField("申请兑付金额（抵扣金额，元）", **MONEY_FIELD_KWARGS)
    verified_amount = models.DecimalField("核定兑付金额（元）", **MONEY_FIELD_KWARGS, null=True, blank=True)
    live = models.BooleanField("有效", default=True, help_text="申请被服务机构撤回后不再占用该订单")
    redeemed_order = models.OneToOneField("vouchers.Order", verbose_name="已兑付订单", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="redemption",
                                          help_text="审批通过时写入；一个订单至多兑付一次（唯一约束）")

    class Meta:
        verbose_name = "兑付申请明细"
        verbose_name_plural = "兑付申请明细"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(live=True), name="claim_line_order_one_live_claim"),
            models.UniqueConstraint(fields=["claim", "order"], name="claim_line_order_once_per_claim"),
            models.CheckConstraint(name="claim_line_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="claim_line_invoice_positive", condition=Q(invoice_amount__gt=0)),
            models.CheckConstraint(name="claim_line_verified_within_amount",
                                   condition=Q(verified_amount__isnull=True) | (
                                       Q(verified_amount__gte=0) & Q(verified_amount__lte=F("amount")))),
            models.CheckConstraint(name="claim_line_redeemed_is_order",
                                   condition=Q(redeemed_order__isnull=True) | Q(redeemed_order=F("order"))),
        ]

    def __str__(self):
        return f"{self.claim.number} · 订单 {self.order.number}"

class ProviderYearCap(models.Model):
    """第十二条: Σ approved redemptions of a provider in a year ≤ the year's cap. Services move `approved` only
    with a conditional UPDATE; the CHECK keeps the limit even if Python is wrong."""

    provider = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                 related_name="+")
    year = models.PositiveIntegerField("年度")
    cap = models.DecimalField("年度兑付上限（元）", **MONEY_FIELD_KWARGS)
    approved = models.DecimalField("已审批兑付（元）", **MONEY_FIELD_KWARGS, default=Decimal("0.00"))

    class Meta:
        verbose_name = "服务机构年度兑付额度"
        verbose_name_plural = "服务机构年度兑付额度"
        ordering = ["-year", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "year"], name="provider_year_cap_unique"),
            models.CheckConstraint(name="provider_year_cap_within",
                                   condition=Q(approved__gte=0) & Q(approved__lte=F("cap"))),
        ]

    def __str__(self):
        return f"{self.provider} {self.year} 年已兑付 {self.approved} / {self.cap} 元"
