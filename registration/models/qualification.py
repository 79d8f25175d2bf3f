"""The year's qualification of an enterprise or park (第八条 annual quota) and change reports (第九条).

`used` is maintained only by the voucher/deduction services with conditional updates; the
database keeps 0 ≤ used ≤ quota whatever Python does."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from hangqifu.core.money import MONEY_FIELD_KWARGS

from .. import permissions
from .reference import SizeClass
from .registration import HolderKind, Tier


class SuspensionCause(models.TextChoices):
    STAFF = "staff", "市工信服务中心暂停"
    CREDIT_LIST = "credit_list", "列入失信名单"
    CHANGE_REPORT = "change_report", "变更报告待核查"


class Qualification(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "有效"
        SUSPENDED = "suspended", "已暂停"
        REVOKED = "revoked", "已撤销"

    Tier = Tier
    SuspensionCause = SuspensionCause

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="主体", on_delete=models.PROTECT,
                                     related_name="qualifications")
    year = models.PositiveIntegerField("年度")
    kind = models.CharField("主体类型", max_length=20, choices=HolderKind.choices)
    tier = models.CharField("额度档次", max_length=10, choices=Tier.choices, default=Tier.DEFAULT)
    quota = models.DecimalField("年度额度（元）", **MONEY_FIELD_KWARGS)
    used = models.DecimalField("已使用（元）", **MONEY_FIELD_KWARGS, default=Decimal("0.00"))
    # Σ balances of the holder's live vouchers of this year: claims reserve, deductions move reserved
    # to used, expiry/voiding releases. used + reserved ≤ quota is the claim headroom, kept by the database.
    reserved = models.DecimalField("已领未用（元）", **MONEY_FIELD_KWARGS, default=Decimal("0.00"))
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.ACTIVE, protected=True)
    # Why a suspended qualification is suspended: it decides what lifts it (a delisting for a list hit, the
    # change report's review for a reported change, staff for their own measure).
    suspension_cause = models.CharField("暂停原因类别", max_length=20, choices=SuspensionCause.choices, blank=True,
                                        default="", db_default="")
    registration = models.ForeignKey("registration.RegistrationApplication", verbose_name="认定申请",
                                     on_delete=models.PROTECT, null=True, blank=True, related_name="qualifications")
    honours = models.JSONField("确认的荣誉称号", default=list, blank=True)
    state_reason = models.TextField("状态变更理由", blank=True)
    created_at = models.DateTimeField("认定时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "vouchers_qualification"
        verbose_name = "年度资格与额度"
        verbose_name_plural = "年度资格与额度"
        ordering = ["-year", "organisation_id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="qualification_one_per_year"),
            models.CheckConstraint(name="qualification_used_within_quota",
                                   condition=models.Q(used__gte=0) & models.Q(used__lte=models.F("quota"))),
            models.CheckConstraint(name="qualification_reserved_within_headroom",
                                   condition=models.Q(reserved__gte=0)
                                   & models.Q(reserved__lte=models.F("quota") - models.F("used"))),
        ]
        permissions = [("manage_qualification", "可以暂停、撤销、恢复资格")]

    def __str__(self):
        return f"{self.organisation} {self.year} 年度资格"

    @property
    def remaining(self) -> Decimal:
        """Quota not yet deducted (live vouchers' balances included): what deductions may still use."""
        return self.quota - self.used

    @property
    def headroom(self) -> Decimal:
        """还可领取: quota − used − Σ live voucher balances. The one figure every page shows as what the holder
        may still claim, and the one the claim service checks (CHECK used + reserved ≤ quota backs it)."""
        return self.quota - self.used - self.reserved

    def user_can_view(self, user) -> bool:
        return permissions.can_view_organisation_record(user, self.organisation_id)

    @transition(field=state, source=State.ACTIVE, target=State.SUSPENDED, permission=permissions.reviewer)
    def suspend(self):
        pass

    @transition(field=state, source=State.SUSPENDED, target=State.ACTIVE, permission=permissions.reviewer)
    def reinstate(self):
        pass

    @transition(field=state, source=[State.ACTIVE, State.SUSPENDED], target=State.REVOKED,
                permission=permissions.reviewer)
    def revoke(self):
        pass


class ChangeReport(models.Model):
    """A holder's report of a size reclassification or a major change in operation, due within the policy's
    working days of the change (第九条)."""

    class ChangeKind(models.TextChoices):
        SIZE_RECLASSIFICATION = "size_reclassification", "企业规模划型变化"
        MAJOR_CHANGE = "major_change", "经营情况重大变化"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "已报告，待核查"
        REVIEWED = "reviewed", "已核查"

    class Decision(models.TextChoices):
        KEEP = "keep", "资格继续有效"
        REINSTATE = "reinstate", "恢复资格"
        REVOKE = "revoke", "取消资格（已领服务券作废）"

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="报告主体", on_delete=models.PROTECT,
                                     related_name="change_reports")
    qualification = models.ForeignKey(Qualification, verbose_name="相关资格", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="change_reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT,
                                    related_name="+")
    change_kind = models.CharField("变化类型", max_length=30, choices=ChangeKind.choices)
    change_date = models.DateField("变化发生日期")
    description = models.TextField("变化情况说明")
    new_size_class = models.CharField("变化后规模", max_length=10, choices=SizeClass.choices, blank=True)
    reported_on = models.DateField("报告日期")
    deadline = models.DateField("报告期限")
    deadline_provisional = models.BooleanField("期限为暂定（节假日安排未公布）", default=False)
    is_late = models.BooleanField("逾期报告", default=False)
    affects_eligibility = models.BooleanField("该变化可能使本单位不再符合第六条条件", default=False, db_default=False)
    # A reclassification to a large enterprise or a change that removes eligibility suspends the qualification
    # until staff decide (its vouchers frozen, not voided); a late report waits for staff too (第九条).
    suspended_qualification = models.BooleanField("已暂停资格待核查", default=False, db_default=False)
    decision = models.CharField("核查决定", max_length=20, choices=Decision.choices, blank=True, default="",
                                db_default="")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED, protected=True)
    review_opinion = models.TextField("核查意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "vouchers_changereport"
        verbose_name = "变更报告"
        verbose_name_plural = "变更报告"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.organisation} {self.get_change_kind_display()}（{self.change_date}）"

    def user_can_view(self, user) -> bool:
        return permissions.can_view_organisation_record(user, self.organisation_id)

    @transition(field=state, source=State.SUBMITTED, target=State.REVIEWED, permission=permissions.reviewer,
                custom={"action": "review", "label": "核查变更报告"})
    def review(self):
        pass
