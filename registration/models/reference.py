"""Reference data the pre-review checks against: the MIIT size-classification thresholds (versioned by
`effective_from`), the dishonesty / judgment-defaulter lists, recognised parks and the statistics bureau's
new-above-scale list. Staff import the lists from Excel or CSV (registration.services.imports)."""
from django.conf import settings
from django.db import models

from hangqifu.core import clock
from hangqifu.core.choices import Industry
from hangqifu.core.money import MONEY_FIELD_KWARGS

from .. import permissions


class SizeClass(models.TextChoices):
    LARGE = "large", "大型企业"
    MEDIUM = "medium", "中型企业"
    SMALL = "small", "小型企业"
    MICRO = "micro", "微型企业"


class SizeThreshold(models.Model):
    """One row of the size standard: an enterprise of `industry` is at least `size_class` when it reaches
    every minimum that is set (≥). Rows for large, medium and small per industry; below small is micro.
    Each standard version is a set of rows with its `effective_from`; the latest in force applies."""

    industry = models.CharField("行业", max_length=40, choices=Industry.choices)
    size_class = models.CharField("规模", max_length=10,
                                  choices=[(c.value, c.label) for c in SizeClass if c != SizeClass.MICRO])
    employees_min = models.PositiveIntegerField("从业人员下限（人，含）", null=True, blank=True)
    revenue_min = models.DecimalField("营业收入下限（元，含）", **MONEY_FIELD_KWARGS, null=True, blank=True)
    total_assets_min = models.DecimalField("资产总额下限（元，含）", **MONEY_FIELD_KWARGS, null=True, blank=True)
    effective_from = models.DateField("施行日期")
    source = models.CharField("依据", max_length=200, default="工信部联企业〔2011〕300号")

    class Meta:
        db_table = "vouchers_sizethreshold"
        verbose_name = "企业划型标准"
        verbose_name_plural = "企业划型标准"
        ordering = ["industry", "-effective_from", "size_class"]
        constraints = [
            models.UniqueConstraint(fields=["industry", "size_class", "effective_from"],
                                    name="size_threshold_unique_version"),
            models.CheckConstraint(name="size_threshold_has_a_minimum",
                                   condition=models.Q(employees_min__isnull=False) | models.Q(revenue_min__isnull=False)
                                   | models.Q(total_assets_min__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_industry_display()} {self.get_size_class_display()}（{self.effective_from} 起）"


class CreditListEntry(models.Model):
    """An organisation on the severe-dishonesty list (严重失信主体名单) or the judgment-defaulter list
    (失信被执行人名单), as imported by staff."""

    class ListKind(models.TextChoices):
        SEVERE_DISHONESTY = "severe_dishonesty", "严重失信主体名单"
        JUDGMENT_DEFAULTER = "judgment_defaulter", "失信被执行人名单"

    list_kind = models.CharField("名单", max_length=30, choices=ListKind.choices)
    credit_code = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    name = models.CharField("名称", max_length=200, blank=True)
    listed_on = models.DateField("列入日期")
    removed_on = models.DateField("移出日期", null=True, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)
    # When the platform first knew of the entry (business clock): a check can only have seen it from then on.
    imported_at = models.DateTimeField("首次导入时间", default=clock.now)

    class Meta:
        db_table = "vouchers_creditlistentry"
        verbose_name = "失信名单条目"
        verbose_name_plural = "失信名单"
        ordering = ["list_kind", "credit_code"]
        constraints = [
            models.UniqueConstraint(fields=["list_kind", "credit_code", "listed_on"], name="credit_list_entry_unique"),
        ]

    def __str__(self):
        return f"{self.get_list_kind_display()}：{self.name or self.credit_code}"


class CreditDelisting(models.Model):
    """信用修复: staff record that a listed party was removed from a list (第六条), with the evidence document
    (the list authority's notice, the court's certificate of performance …). Recording it sets the entry's
    `removed_on` and lifts the suspensions the entry caused; an import never undoes it."""

    entry = models.ForeignKey(CreditListEntry, verbose_name="名单条目", on_delete=models.PROTECT,
                              related_name="delistings")
    removed_on = models.DateField("移出日期")
    reason = models.TextField("信用修复说明")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        db_table = "vouchers_creditdelisting"
        verbose_name = "信用修复（移出名单）"
        verbose_name_plural = "信用修复（移出名单）"
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{self.entry} {self.removed_on} 移出"

    def user_can_view(self, user) -> bool:
        return permissions.is_reviewer(user)


class ParkRecognition(models.Model):
    """A recognised provincial small-business park (省级小微企业园) and its recognition period."""

    credit_code = models.CharField("运营主体统一社会信用代码", max_length=18, db_index=True)
    operator_name = models.CharField("运营主体名称", max_length=200, blank=True)
    park_name = models.CharField("园区名称", max_length=200)
    star_level = models.CharField("星级", max_length=20, blank=True)
    recognised_on = models.DateField("认定日期")
    valid_until = models.DateField("有效期至")
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        db_table = "vouchers_parkrecognition"
        verbose_name = "小微企业园认定"
        verbose_name_plural = "小微企业园认定名单"
        ordering = ["park_name"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code", "recognised_on"], name="park_recognition_unique"),
            models.CheckConstraint(name="park_recognition_period", condition=models.Q(valid_until__gte=models.F("recognised_on"))),
        ]

    def __str__(self):
        return self.park_name


class AboveScaleEntry(models.Model):
    """The statistics bureau's list of industrial enterprises newly above designated size (新升规) in `year`."""

    year = models.PositiveIntegerField("升规年度")
    credit_code = models.CharField("统一社会信用代码", max_length=18)
    name = models.CharField("企业名称", max_length=200, blank=True)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        db_table = "vouchers_abovescaleentry"
        verbose_name = "新升规工业企业"
        verbose_name_plural = "新升规工业企业名单"
        ordering = ["-year", "credit_code"]
        constraints = [models.UniqueConstraint(fields=["year", "credit_code"], name="above_scale_unique")]

    def __str__(self):
        return f"{self.year} {self.name or self.credit_code}"
