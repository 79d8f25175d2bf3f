"""Admission (第十四、十五条): selection rounds, applications, expert / third-party review, conflicts of interest."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.money import MONEY_FIELD_KWARGS
from hangqifu.workflows.conditions import condition

from ..permissions import can_view_application
from . import _perms

# 第十五条 materials (API.md "Provider application" document kinds); all but `other` are required.
APPLICATION_DOCUMENT_KINDS = {
    "business_licence": "营业执照",
    "qualification": "资质证书",
    "credit_proof": "信用证明",
    "product_cases": "服务产品信息及上年度案例清单与证明",
    "audit_report": "上年度审计报告",
    "tax_proof": "纳税证明",
    "tax_credit_rating": "纳税信用等级证明",
    "social_insurance_proof": "社保缴纳证明",
    "admission_commitment": "入驻承诺书",
    "other": "其他材料",
}
REQUIRED_APPLICATION_DOCUMENTS = [kind for kind in APPLICATION_DOCUMENT_KINDS if kind != "other"]


class SelectionRound(models.Model):
    """遴选批次: an application window announced on the platform; experts review the round's applicants."""

    year = models.PositiveIntegerField("年度")
    title = models.CharField("批次名称", max_length=200)
    announcement = models.TextField("批次公告", help_text="申报条件、材料要求、评审安排等，公开展示")
    opens_at = models.DateTimeField("申报开始时间")
    closes_at = models.DateTimeField("申报截止时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "遴选批次"
        verbose_name_plural = "遴选批次"
        ordering = ["-opens_at"]
        constraints = [models.CheckConstraint(name="round_window_ordered",
                                              condition=models.Q(closes_at__gt=models.F("opens_at")))]

    def __str__(self):
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or clock.now()
        return self.opens_at <= at < self.closes_at


@condition(code="round_closed", detail="该遴选批次申报已截止")
def round_open(application) -> bool:
    """第十五条: a first submission is accepted while its selection round takes applications; an application
    returned for correction may be resubmitted after the round closed."""
    return application.round.is_open()


class ProviderApplication(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交，待预审"
        PRE_REVIEWED = "pre_reviewed", "预审通过，待专家评审"
        EXPERT_REVIEWED = "expert_reviewed", "评审完成，待市经信局确认"
        CONFIRMED = "confirmed", "已确认"
        UNDER_NOTICE = "under_notice", "公示中"
        ADMITTED = "admitted", "已入驻"
        RETURNED = "returned", "退回补正"
        REJECTED = "rejected", "未通过"

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                     related_name="provider_applications")
    round = models.ForeignKey(SelectionRound, verbose_name="遴选批次", on_delete=models.PROTECT,
                              related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="+")
    name = models.CharField("机构名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    established_on = models.DateField("成立日期")
    district = models.CharField("所在区县", max_length=20, choices=District.choices)
    revenue = models.DecimalField("上年度营业收入（元）", **MONEY_FIELD_KWARGS)
    professional_staff = models.PositiveIntegerField("专业服务人员数（社保）")
    cases_last_year = models.PositiveIntegerField("上年度杭州中小微企业/园区成功案例数")
    categories = models.JSONField("申报服务类别", default=list)
    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    pre_review_opinion = models.TextField("预审意见", blank=True)
    # 第十四条 items needing judgement, ticked by the pre-reviewer: {key: {met, note, checked_by, checked_at}}
    condition_checks = models.JSONField("人工核验项（第十四条）", default=dict, blank=True, db_default={})
    decision_opinion = models.TextField("确认/退回/驳回意见", blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    notice_id = models.PositiveBigIntegerField("公示编号", null=True, blank=True)
    admitted_at = models.DateTimeField("入驻时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "入驻申请"
        verbose_name_plural = "入驻申请"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "round"], name="one_application_per_round"),
            models.CheckConstraint(name="application_revenue_non_negative", condition=models.Q(revenue__gte=0)),
        ]

    def __str__(self):
        return f"{self.name}（{self.round}）"

    def user_can_view(self, user) -> bool:
        return can_view_application(self, user)

    # --- transitions: guard + state only; services do the rest -------------------------------------------
    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, permission=_perms.applicant,
                conditions=[round_open], custom={"action": "submit", "label": "提交申请"})
    @transition(field=state, source=State.RETURNED, target=State.SUBMITTED, permission=_perms.applicant,
                custom={"action": "submit", "label": "提交申请"})
    def submit(self):
        self.submitted_at = clock.now()

    @transition(field=state, source=State.SUBMITTED, target=State.PRE_REVIEWED, permission=_perms.service_center,
                custom={"action": "pre-review", "label": "形式预审"})
    def pre_review(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.PRE_REVIEWED], target=State.RETURNED,
                permission=_perms.service_center, custom={"action": "return", "label": "退回补正"})
    def return_for_correction(self):
        pass

    @transition(field=state, source=State.PRE_REVIEWED, target=State.EXPERT_REVIEWED, permission=_perms.nobody)
    def complete_review(self):
        pass

    @transition(field=state, source=State.EXPERT_REVIEWED, target=State.CONFIRMED, permission=_perms.bureau,
                custom={"action": "confirm", "label": "确认入选并公示"})
    def confirm(self):
        self.confirmed_at = clock.now()

    @transition(field=state, source=[State.SUBMITTED, State.PRE_REVIEWED, State.EXPERT_REVIEWED],
                target=State.REJECTED, permission=_perms.staff_reviewer, custom={"action": "reject", "label": "驳回"})
    def reject(self):
        pass

    @transition(field=state, source=State.CONFIRMED, target=State.UNDER_NOTICE, permission=_perms.nobody)
    def publish(self):
        pass

    @transition(field=state, source=State.UNDER_NOTICE, target=State.ADMITTED, permission=_perms.nobody)
    def admit(self):
        self.admitted_at = clock.now()

    @transition(field=state, source=State.UNDER_NOTICE, target=State.REJECTED, permission=_perms.nobody)
    def objection_upheld(self):
        pass


class ApplicationProduct(models.Model):
    """A product proposed in the application (第十五条 产品信息); becomes a draft Product on admission."""

    application = models.ForeignKey(ProviderApplication, verbose_name="入驻申请", on_delete=models.CASCADE,
                                    related_name="products")
    category = models.CharField("服务类别", max_length=30, choices=ServiceCategory.choices)
    title = models.CharField("产品名称", max_length=200)
    description = models.TextField("标准化服务内容")
    deliverables = models.TextField("交付成果", blank=True)
    duration_days = models.PositiveIntegerField("服务周期（天）", default=30)
    price = models.DecimalField("价格（元）", **MONEY_FIELD_KWARGS)
    last_year_average_price = models.DecimalField("上年度同类产品平均合同金额（元）", **MONEY_FIELD_KWARGS)
    cases_last_year = models.PositiveIntegerField("上年度杭州中小微企业/园区成功案例数")

    class Meta:
        verbose_name = "申报产品"
        verbose_name_plural = "申报产品"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="application_product_price_positive",
                                   condition=models.Q(price__gt=0, last_year_average_price__gt=0)),
        ]

    def __str__(self):
        return self.title

    @property
    def price_above_basis(self) -> bool:
        return self.price > self.last_year_average_price


class ExpertAssignment(models.Model):
    application = models.ForeignKey(ProviderApplication, verbose_name="入驻申请", on_delete=models.CASCADE,
                                    related_name="assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="provider_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="指派人", on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField("指派时间")

    class Meta:
        verbose_name = "专家指派"
        verbose_name_plural = "专家指派"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="one_assignment_per_expert")]

    def __str__(self):
        return f"{self.expert} → {self.application}"


# The scoring rubric: criterion → (label, max points); the maxima add up to 100.
RUBRIC = {
    "qualifications": ("资质与信用", 20),
    "service_capability": ("服务能力与专业团队", 25),
    "cases": ("服务案例与成效", 25),
    "price_reasonableness": ("产品标准化与价格合理性", 15),
    "after_sales": ("售后保障与服务承诺", 15),
}
RUBRIC_TOTAL = sum(points for _, points in RUBRIC.values())


class Review(models.Model):
    class ReviewerKind(models.TextChoices):
        EXPERT = "expert", "评审专家"
        THIRD_PARTY = "third_party", "第三方机构"

    application = models.ForeignKey(ProviderApplication, verbose_name="入驻申请", on_delete=models.CASCADE,
                                    related_name="reviews")
    reviewer_kind = models.CharField("评审方类型", max_length=20, choices=ReviewerKind.choices,
                                     default=ReviewerKind.EXPERT)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评审专家", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="provider_reviews")
    reviewer_name = models.CharField("第三方机构名称", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                    related_name="+")
    scores = models.JSONField("分项得分", default=dict, blank=True)
    total = models.DecimalField("总分", max_digits=5, decimal_places=2)
    opinion = models.TextField("评审意见")
    created_at = models.DateTimeField("评审时间")

    class Meta:
        verbose_name = "评审意见"
        verbose_name_plural = "评审意见"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], condition=models.Q(reviewer__isnull=False),
                                    name="one_review_per_expert"),
            models.CheckConstraint(name="review_total_0_100",
                                   condition=models.Q(total__gte=Decimal("0"), total__lte=Decimal("100"))),
        ]

    def __str__(self):
        return f"{self.reviewer or self.reviewer_name}：{self.total}"


class ConflictDeclaration(models.Model):
    """An expert's declared link to a provider (employment, shareholding, relatives …): never assigned to it."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评审专家", on_delete=models.CASCADE,
                               related_name="conflict_declarations")
    provider_name = models.CharField("关联机构名称", max_length=200)
    credit_code = models.CharField("关联机构统一社会信用代码", max_length=18, db_index=True)
    relation = models.CharField("关联关系", max_length=200)
    declared_at = models.DateTimeField("申报时间")

    class Meta:
        verbose_name = "利益冲突申报"
        verbose_name_plural = "利益冲突申报"
        ordering = ["-declared_at"]
        constraints = [models.UniqueConstraint(fields=["expert", "credit_code"], name="one_declaration_per_link")]

    def __str__(self):
        return f"{self.expert} · {self.provider_name}"
