"""Admitted providers and their standardised products (第七、十五条)."""
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.errors import InvalidTransition
from hangqifu.core.money import MONEY_FIELD_KWARGS
from hangqifu.workflows.conditions import condition

from ..permissions import can_view_product
from . import _perms


class ProviderProfile(FSMModelMixin, models.Model):
    """The admitted-provider record. Only an admitted (not removed) provider may list products and take orders."""

    class State(models.TextChoices):
        ADMITTED = "admitted", "已入驻"
        SUSPENDED = "suspended", "入驻资格暂停（列入失信名单）"
        REMOVED = "removed", "已清退"

    organisation = models.OneToOneField("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                        related_name="provider_profile")
    state = FSMField("状态", default=State.ADMITTED, choices=State.choices, protected=True, db_index=True)
    district = models.CharField("所在区县", max_length=20, choices=District.choices, db_index=True)
    categories = models.JSONField("服务类别", default=list)
    round = models.ForeignKey("providers.SelectionRound", verbose_name="入驻批次", on_delete=models.PROTECT,
                              related_name="+")
    application = models.ForeignKey("providers.ProviderApplication", verbose_name="入驻申请",
                                    on_delete=models.PROTECT, related_name="+")
    admitted_at = models.DateTimeField("入驻时间")
    removed_at = models.DateTimeField("清退时间", null=True, blank=True)

    class Meta:
        verbose_name = "入驻服务机构"
        verbose_name_plural = "入驻服务机构"
        ordering = ["organisation__name"]

    def __str__(self):
        return self.organisation.name

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ADMITTED

    @transition(field=state, source=State.ADMITTED, target=State.REMOVED, permission=_perms.nobody)
    def remove(self):
        self.removed_at = clock.now()

    @transition(field=state, source=State.REMOVED, target=State.ADMITTED, permission=_perms.nobody)
    def readmit(self):
        self.removed_at = None

    # 第六、十四条: a provider on a dishonesty list takes no orders and is paid nothing while listed; a
    # documented delisting (信用修复) lifts the suspension. Fired by the credit-list services only.
    @transition(field=state, source=State.ADMITTED, target=State.SUSPENDED, permission=_perms.nobody)
    def suspend(self):
        pass

    @transition(field=state, source=State.SUSPENDED, target=State.ADMITTED, permission=_perms.nobody)
    def lift_suspension(self):
        pass


@condition(code="selection_required",
           detail="入驻后新增的服务产品须经遴选（形式预审、评审、市经信局确认、公示）后上架，不能直接审核上架")
def selected_at_admission(product) -> bool:
    """第十五条: a product proposed with the admission application was selected with it and may be listed on
    review; a product added after admission is listed only through its own selection."""
    return not product.awaiting_selection


@condition(code="invalid_transition", detail="该产品已随入驻遴选入选，无须再经新增产品遴选", error=InvalidTransition)
def added_after_admission(product) -> bool:
    """第十五条: only a product added after admission goes through the selection of new products."""
    return product.awaiting_selection


class Product(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审核"
        IN_SELECTION = "in_selection", "遴选评审中"
        SELECTION_REVIEWED = "selection_reviewed", "评审完成，待市经信局确认"
        UNDER_NOTICE = "under_notice", "入选公示中"
        LISTED = "listed", "已上架"
        DELISTED = "delisted", "已下架"

    provider = models.ForeignKey("accounts.Organisation", verbose_name="服务机构", on_delete=models.PROTECT,
                                 related_name="products", limit_choices_to={"kind": "provider"})
    category = models.CharField("服务类别", max_length=30, choices=ServiceCategory.choices)
    title = models.CharField("产品名称", max_length=200)
    description = models.TextField("标准化服务内容")
    deliverables = models.TextField("交付成果")
    duration_days = models.PositiveIntegerField("服务周期（天）")
    price = models.DecimalField("价格（元）", **MONEY_FIELD_KWARGS)
    last_year_average_price = models.DecimalField("上年度同类产品平均合同金额（元）", **MONEY_FIELD_KWARGS,
                                                  help_text="定价依据：上年度同一产品的平均合同金额，须上传证明")
    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True)
    review_opinion = models.TextField("审核意见", blank=True)
    delist_reason = models.CharField("下架原因", max_length=200, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    listed_at = models.DateTimeField("上架时间", null=True, blank=True)
    delisted_at = models.DateTimeField("下架时间", null=True, blank=True)
    # Catalogue figures, kept by the order workflow through providers.services.product_stats_record;
    # stored on the row so the catalogue sorts 10,000 products without aggregating orders per request.
    order_count = models.PositiveIntegerField("订单数", default=0)
    rating_count = models.PositiveIntegerField("评价数", default=0)
    satisfied_count = models.PositiveIntegerField("满意/基本满意数", default=0)
    dissatisfied_count = models.PositiveIntegerField("不满意数", default=0)
    satisfaction_rate = models.DecimalField("满意率", max_digits=4, decimal_places=3, null=True, blank=True)
    # 第十五条 selection: a product proposed in the admission application was selected with its provider; one
    # added afterwards awaits selection: it joins the next selection round (pre-review, expert or third-party
    # review, bureau confirmation, public notice) before it is first listed.
    awaiting_selection = models.BooleanField("入驻后新增，待遴选", default=False, db_default=False)
    selected_at = models.DateTimeField("遴选入选时间", null=True, blank=True)
    selection_round = models.ForeignKey("providers.SelectionRound", verbose_name="遴选批次", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="products")
    selection_reviewer = models.CharField("评审方（专家组/第三方机构）", max_length=200, blank=True)
    selection_score = models.DecimalField("评审得分", max_digits=5, decimal_places=2, null=True, blank=True)
    selection_opinion = models.TextField("评审意见", blank=True)
    notice_id = models.PositiveBigIntegerField("公示编号", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务产品"
        verbose_name_plural = "服务产品"
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.CheckConstraint(name="product_price_positive", condition=models.Q(price__gt=0)),
            models.CheckConstraint(name="product_basis_positive", condition=models.Q(last_year_average_price__gt=0)),
            models.CheckConstraint(name="product_duration_positive", condition=models.Q(duration_days__gt=0)),
            # never listed without having been selected (第十五条)
            models.CheckConstraint(name="product_listed_only_when_selected",
                                   condition=~models.Q(state="listed", awaiting_selection=True)),
            models.CheckConstraint(name="product_selection_score_0_100",
                                   condition=models.Q(selection_score__isnull=True)
                                   | models.Q(selection_score__gte=0, selection_score__lte=100)),
        ]
        indexes = [
            models.Index(fields=["state", "category", "price"], name="product_catalogue_cat_idx"),
            models.Index(fields=["state", "price"], name="product_catalogue_price_idx"),
            models.Index(fields=["state", "-satisfaction_rate"], name="product_catalogue_sat_idx"),
            models.Index(fields=["state", "-listed_at"], name="product_catalogue_new_idx"),
            models.Index(fields=["provider", "state"], name="product_provider_idx"),
        ]

    def __str__(self):
        return self.title

    def user_can_view(self, user) -> bool:
        return can_view_product(self, user)

    @property
    def organisation(self):
        """The provider (the notices and the audit trail address a subject's organisation)."""
        return self.provider

    @property
    def price_above_basis(self) -> bool:
        return self.price > self.last_year_average_price

    @property
    def dissatisfaction_rate(self):
        if not self.rating_count:
            return None
        return self.dissatisfied_count / self.rating_count

    @transition(field=state, source=[State.DRAFT, State.DELISTED], target=State.SUBMITTED,
                permission=_perms.product_provider,
                custom={"action": "submit", "label": "提交审核"})
    def submit(self):
        self.submitted_at = clock.now()

    @transition(field=state, source=State.SUBMITTED, target=State.LISTED, permission=_perms.service_center,
                conditions=[selected_at_admission], custom={"action": "approve", "label": "审核通过并上架"})
    def approve(self):
        self.listed_at = clock.now()
        self.delisted_at = None

    @transition(field=state, source=[State.SUBMITTED, State.IN_SELECTION, State.SELECTION_REVIEWED],
                target=State.DRAFT, permission=_perms.staff_reviewer, custom={"action": "return", "label": "退回修改"})
    def return_to_draft(self):
        pass

    # --- selection of a product added after admission (第十五条) --------------------------------------------
    @transition(field=state, source=State.SUBMITTED, target=State.IN_SELECTION, permission=_perms.service_center,
                conditions=[added_after_admission],
                custom={"action": "selection-pre-review", "label": "形式预审通过，纳入遴选评审"})
    def enter_selection(self):
        pass

    @transition(field=state, source=State.IN_SELECTION, target=State.SELECTION_REVIEWED,
                permission=_perms.service_center, custom={"action": "selection-review", "label": "录入评审结果"})
    def record_selection_review(self):
        pass

    @transition(field=state, source=State.SELECTION_REVIEWED, target=State.UNDER_NOTICE, permission=_perms.bureau,
                custom={"action": "selection-confirm", "label": "确认入选并公示"})
    def confirm_selection(self):
        pass

    @transition(field=state, source=State.UNDER_NOTICE, target=State.LISTED, permission=_perms.nobody)
    def selected(self):
        self.selected_at = self.listed_at = clock.now()
        self.awaiting_selection = False
        self.delisted_at = None

    @transition(field=state, source=State.UNDER_NOTICE, target=State.DRAFT, permission=_perms.nobody)
    def selection_objection_upheld(self):
        pass

    @transition(field=state, source=[State.SUBMITTED, State.LISTED], target=State.DELISTED,
                permission=_perms.product_provider_or_reviewer,
                custom={"action": "delist", "label": "下架"})
    def delist(self):
        self.delisted_at = clock.now()
