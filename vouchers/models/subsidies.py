"""Other programmes' award lists (第八条 不得重复享受): 对标提升 support, 创新券, 数改券 and the like, imported by
staff so a voucher deduction for a service another programme already paid for is refused."""
from django.conf import settings
from django.db import models

from hangqifu.core import clock
from hangqifu.core.money import MONEY_FIELD_KWARGS


class OtherSubsidyAward(models.Model):
    class Programme(models.TextChoices):
        BENCHMARK_UPGRADE = "benchmark_upgrade", "对标提升服务支持"
        INNOVATION_VOUCHER = "innovation_voucher", "创新券"
        DIGITAL_TRANSFORMATION_VOUCHER = "digital_transformation_voucher", "数改券"
        OTHER = "other", "中小企业发展专项资金其他服务支持"

    programme = models.CharField("政策类别", max_length=40, choices=Programme.choices)
    credit_code = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    name = models.CharField("企业名称", max_length=200, blank=True)
    project = models.CharField("项目名称", max_length=300)
    provider_name = models.CharField("服务机构名称", max_length=200, blank=True)
    provider_credit_code = models.CharField("服务机构统一社会信用代码", max_length=18, blank=True)
    amount = models.DecimalField("支持金额（元）", **MONEY_FIELD_KWARGS)
    year = models.PositiveIntegerField("年度")
    source = models.CharField("来源", max_length=200, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField("导入时间", default=clock.now)

    class Meta:
        verbose_name = "其他政策支持名单"
        verbose_name_plural = "其他政策支持名单（创新券、数改券、对标提升等）"
        ordering = ["-year", "credit_code", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "credit_code", "year", "project"],
                                               name="other_subsidy_award_unique")]
        indexes = [models.Index(fields=["credit_code", "year"], name="other_subsidy_code_year_idx")]

    def __str__(self):
        return f"{self.get_programme_display()}：{self.name or self.credit_code} {self.year} 年“{self.project}”"
