from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from hangqifu.core.money import MONEY_FIELD_KWARGS

_POSITIVE = [MinValueValidator(Decimal("0.00"))]

# What 杭经信联中小〔2026〕34号 itself fixes (第八、十二条): the bureau's yearly parameters stay within these
# unless a later policy text is recorded as the basis (`policy_basis`). Checked by clean() and a database CHECK.
POLICY_LIMITS = {
    "deduction_ratio": (Decimal("0.500"), "每笔服务交易的服务券抵用额不高于实际发生额的 50%（第八条）"),
    "quota_default": (Decimal("5000.00"), "年度使用服务券额度不高于 5000 元（第八条）"),
    "quota_tier2": (Decimal("10000.00"), "新升规工业企业、创新型中小企业额度增至 10000 元（第八条）"),
    "quota_tier3": (Decimal("20000.00"), "专精特新等额度增加至 20000 元（第八条）"),
    "provider_annual_cap": (Decimal("500000.00"), "每家入驻服务机构年度兑付总额度不超过 50 万元（第十二条）"),
}


class PolicyYear(models.Model):
    """The bureau's parameters for one year (DOMAIN.md "Policy parameters"). Code reads these, never literals."""

    year = models.PositiveIntegerField("年度", unique=True)
    quota_default = models.DecimalField("默认年度额度（元）", **MONEY_FIELD_KWARGS, validators=_POSITIVE,
                                        default=Decimal("5000.00"))
    quota_tier2 = models.DecimalField("新升规/创新型中小企业额度（元）", **MONEY_FIELD_KWARGS, validators=_POSITIVE,
                                      default=Decimal("10000.00"))
    quota_tier3 = models.DecimalField("专精特新等额度（元）", **MONEY_FIELD_KWARGS, validators=_POSITIVE,
                                      default=Decimal("20000.00"))
    deduction_ratio = models.DecimalField("单笔抵扣比例上限", max_digits=4, decimal_places=3, default=Decimal("0.500"),
                                          validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    provider_annual_cap = models.DecimalField("服务机构年度兑付上限（元）", **MONEY_FIELD_KWARGS,
                                              validators=_POSITIVE, default=Decimal("500000.00"))
    change_report_working_days = models.PositiveSmallIntegerField("变更报告期限（工作日）", default=15)
    notice_working_days = models.PositiveSmallIntegerField("公示期（工作日）", default=5,
                                                           validators=[MinValueValidator(1)])
    # (our reading) The policy sets neither period; 10 working days to review a registration and 15 to answer a
    # complaint (Hangzhou's 12345 hotline practice) are the defaults, editable per year by the bureau.
    review_working_days = models.PositiveSmallIntegerField("注册认定审核期限（工作日）", default=10,
                                                           validators=[MinValueValidator(1)])
    complaint_working_days = models.PositiveSmallIntegerField("投诉办结期限（工作日）", default=15,
                                                              validators=[MinValueValidator(1)])
    dissatisfaction_threshold = models.DecimalField(
        "不满意率清退阈值", max_digits=4, decimal_places=3, default=Decimal("0.200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))])
    # (our reading) 第十七条五 counts a rate of "20% 及以上"; with fewer than 5 ratings one dissatisfied rating is
    # already 25% or more, so the rule can first be read as a rate at 5 ratings (1 of 5 = 20%): the default.
    dissatisfaction_min_ratings = models.PositiveSmallIntegerField(
        "计算不满意率的最少评价数", default=5, validators=[MinValueValidator(1)],
        help_text="年度评价数达到该数后才适用“不满意率 20% 及以上清退”（第十七条五）")
    provider_min_years = models.PositiveSmallIntegerField("服务机构最短设立年限", default=2)
    provider_min_cases = models.PositiveSmallIntegerField("每个产品上年度最少案例数", default=3)
    provider_min_revenue = models.DecimalField("服务机构最低营业收入（元）", **MONEY_FIELD_KWARGS, validators=_POSITIVE,
                                               default=Decimal("3000000.00"))
    provider_min_staff = models.PositiveSmallIntegerField("最少专业服务人员（社保）", default=5)
    enterprise_min_years = models.PositiveSmallIntegerField("企业最短经营年限", default=1)
    sanction_ban_years = models.PositiveSmallIntegerField("违规禁入年限", default=3)
    rereview_opens_on = models.DateField("下一年度复审开启日期", null=True, blank=True)
    policy_valid_from = models.DateField("政策施行日期", null=True, blank=True)
    policy_valid_until = models.DateField("政策有效期至", null=True, blank=True)
    policy_basis = models.TextField(
        "突破《管理办法》限额的政策依据", blank=True, default="", db_default="",
        help_text="额度、抵扣比例或兑付上限超出杭经信联中小〔2026〕34号第八、十二条所定限额时，须填写后续政策文件名称及文号")
    history = HistoricalRecords(verbose_name="参数修改历史")

    class Meta:
        verbose_name = "年度政策参数"
        verbose_name_plural = "年度政策参数"
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(name="policy_ratio_0_1",
                                   condition=models.Q(deduction_ratio__gte=0, deduction_ratio__lte=1,
                                                      dissatisfaction_threshold__gte=0,
                                                      dissatisfaction_threshold__lte=1)),
            models.CheckConstraint(name="policy_amounts_non_negative",
                                   condition=models.Q(quota_default__gte=0, quota_tier2__gte=0, quota_tier3__gte=0,
                                                      provider_annual_cap__gte=0, provider_min_revenue__gte=0)),
            models.CheckConstraint(name="policy_within_measures_or_later_basis",
                                   condition=~models.Q(policy_basis="") | models.Q(
                                       **{f"{field}__lte": limit for field, (limit, _) in POLICY_LIMITS.items()})),
        ]

    def __str__(self):
        return f"{self.year} 年度政策参数"

    def clean(self):
        if (self.policy_basis or "").strip():
            return
        errors = {field: [f"超出《管理办法》限额：{why}；如有后续政策文件，请在“突破限额的政策依据”中填写"]
                  for field, (limit, why) in POLICY_LIMITS.items()
                  if getattr(self, field) is not None and getattr(self, field) > limit}
        if errors:
            raise ValidationError(errors)
