"""Registration applications of enterprises and parks (第九条) and their formal pre-review."""
from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from hangqifu.core.choices import District, Industry, Sector
from hangqifu.core.money import MONEY_FIELD_KWARGS

from .. import permissions
from .reference import SizeClass


class HolderKind(models.TextChoices):
    ENTERPRISE = "enterprise", "中小微企业"
    PARK = "park", "小微企业园"


class RegistrationDocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", "营业执照"
    REVENUE_PROOF = "revenue_proof", "上年度营业收入证明"
    TAX_PROOF = "tax_proof", "纳税证明"
    SOCIAL_INSURANCE_PROOF = "social_insurance_proof", "社会保险缴纳证明"
    SIZE_COMMITMENT_LETTER = "size_commitment_letter", "中小微企业划型承诺函"
    CREDIT_PROOF = "credit_proof", "信用证明"
    PARK_OPERATOR_PROOF = "park_operator_proof", "园区运营主体证明"
    HONOUR_EVIDENCE = "honour_evidence", "荣誉称号证明材料"


class Tier(models.TextChoices):
    DEFAULT = "default", "基础额度"
    TIER2 = "tier2", "新升规/创新型中小企业额度"
    TIER3 = "tier3", "专精特新等额度"


class RegistrationApplication(models.Model):
    """One organisation's application for one year's qualification: a first registration or the annual
    re-review (复审) of an existing qualification."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交，待形式预审"
        PRE_REVIEWED = "pre_reviewed", "预审通过，待认定"
        APPROVED = "approved", "已认定"
        RETURNED = "returned", "已退回修改"
        REJECTED = "rejected", "未通过"

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", "首次注册"
        REREVIEW = "rereview", "年度复审"

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="申请主体", on_delete=models.PROTECT,
                                     related_name="registrations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    year = models.PositiveIntegerField("认定年度")
    purpose = models.CharField("类别", max_length=20, choices=Purpose.choices, default=Purpose.REGISTRATION)
    previous_qualification = models.ForeignKey("registration.Qualification", verbose_name="上一年度资格",
                                               on_delete=models.PROTECT, null=True, blank=True,
                                               related_name="rereviews")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.DRAFT, protected=True)

    # application data (API.md POST registrations/)
    kind = models.CharField("主体类型", max_length=20, choices=HolderKind.choices)
    name = models.CharField("名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    established_on = models.DateField("成立日期", null=True, blank=True)
    industry = models.CharField("所属行业（划型）", max_length=40, choices=Industry.choices, blank=True)
    sector = models.CharField("产业领域", max_length=20, choices=Sector.choices, blank=True)
    employees = models.PositiveIntegerField("从业人员（人）", null=True, blank=True)
    revenue = models.DecimalField("上年度营业收入（元）", **MONEY_FIELD_KWARGS, null=True, blank=True)
    total_assets = models.DecimalField("资产总额（元）", **MONEY_FIELD_KWARGS, null=True, blank=True)
    district = models.CharField("所在区、县（市）", max_length=20, choices=District.choices, blank=True)
    honours = models.JSONField("申报荣誉称号", default=list, blank=True)
    honour_evidence = models.JSONField("荣誉证明材料（称号→文件编号）", default=dict, blank=True)
    independent_legal_person = models.BooleanField("具有独立法人资格（申报）", default=False)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    wizard_step = models.PositiveSmallIntegerField("填报进度", default=1)

    # computed by the platform
    size_class = models.CharField("企业规模（划型结果）", max_length=10, choices=SizeClass.choices, blank=True)
    claimed_tier = models.CharField("申报额度档次", max_length=10, choices=Tier.choices, default=Tier.DEFAULT)
    checklist = models.JSONField("形式预审清单", default=list, blank=True)
    checklist_overrides = models.JSONField("人工调整（项目→理由）", default=dict, blank=True)

    # review
    pre_review_opinion = models.TextField("预审意见", blank=True)
    decision_opinion = models.TextField("审核意见", blank=True)
    confirmed_honours = models.JSONField("确认的荣誉称号", default=list, blank=True)
    review_due_on = models.DateField("审核期限", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    pre_reviewed_at = models.DateTimeField("预审时间", null=True, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    class Meta:
        db_table = "vouchers_registrationapplication"
        verbose_name = "注册认定申请"
        verbose_name_plural = "注册认定申请"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code", "year"], condition=~models.Q(state="rejected"),
                                    name="registration_one_per_code_and_year"),
        ]
        indexes = [models.Index(fields=["state", "year"], name="registration_state_year_idx")]
        permissions = [("review_registrationapplication", "可以审核注册认定申请")]

    def __str__(self):
        return f"{self.name}（{self.matter}）"

    @property
    def matter(self) -> str:
        """The application named as a person reads it: “2027 年度复审”, “2026 年度注册认定”."""
        if self.purpose == self.Purpose.REREVIEW:
            return f"{self.year} 年度复审"
        return f"{self.year} 年度注册认定"

    # --- documents (hangqifu.documents) -------------------------------------------------------------
    def user_can_view(self, user) -> bool:
        return permissions.can_view_organisation_record(user, self.organisation_id)

    # --- transitions: guard + state only; the services do the rest ----------------------------------
    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED,
                permission=permissions.holder)
    def submit(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.PRE_REVIEWED, permission=permissions.reviewer)
    def pre_review(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.PRE_REVIEWED], target=State.RETURNED,
                permission=permissions.reviewer)
    def return_for_correction(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.PRE_REVIEWED], target=State.REJECTED,
                permission=permissions.reviewer)
    def reject(self):
        pass

    @transition(field=state, source=State.PRE_REVIEWED, target=State.APPROVED, permission=permissions.reviewer)
    def approve(self):
        pass

    @property
    def is_editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.RETURNED)
