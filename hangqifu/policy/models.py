from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from hangqifu.core.money import MONEY_FIELD_KWARGS

_POSITIVE = [MinValueValidator(Decimal("0.00"))]


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
    dissatisfaction_min_ratings = models.PositiveSmallIntegerField("计算不满意率的最少评价数", default=10)
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
        ]

    def __str__(self):
        return f"{self.year} 年度政策参数"
