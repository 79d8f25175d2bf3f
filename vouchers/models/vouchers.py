"""服务券: a claimed entitlement of one organisation, one category and one face value, spent as deductions.

Never transferable: `organisation` is set at the claim and no service, page or endpoint changes it.
The database keeps 0 ≤ balance ≤ face_value; services lower the balance only with a conditional UPDATE."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_fsm import FSMField, transition

from hangqifu.core import clock
from hangqifu.core.choices import ServiceCategory
from hangqifu.core.money import MONEY_FIELD_KWARGS
from hangqifu.workflows.conditions import condition
from registration.models import Qualification

from .. import permissions as perms


@condition(code="balance_left", detail="服务券仍有余额，不能标记为已用完")
def balance_spent(voucher) -> bool:
    """第八条: a voucher is used up when deductions have spent its whole face value."""
    return voucher.balance == 0


class Voucher(models.Model):
    class State(models.TextChoices):
        LIVE = "live", "可使用"
        USED_UP = "used_up", "已用完"
        VOIDED = "voided", "已作废"
        EXPIRED = "expired", "已过期"

    organisation = models.ForeignKey("accounts.Organisation", verbose_name="持券主体", on_delete=models.PROTECT,
                                     related_name="vouchers")
    qualification = models.ForeignKey("registration.Qualification", verbose_name="年度资格", on_delete=models.PROTECT,
                                      related_name="vouchers")
    batch = models.ForeignKey("vouchers.IssuanceBatch", verbose_name="发放批次", on_delete=models.PROTECT,
                              related_name="vouchers")
    voucher_type = models.ForeignKey("vouchers.VoucherType", verbose_name="券种", on_delete=models.PROTECT,
                                     related_name="vouchers")
    year = models.PositiveIntegerField("年度")
    category = models.CharField("服务类别", max_length=30, choices=ServiceCategory.choices)
    face_value = models.DecimalField("面额（元）", **MONEY_FIELD_KWARGS)
    balance = models.DecimalField("余额（元）", **MONEY_FIELD_KWARGS)
    expires_on = models.DateField("有效期至")
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.LIVE, protected=True)
    claimed_at = models.DateTimeField("领取时间")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="领取人", on_delete=models.PROTECT,
                                   related_name="+")
    ended_at = models.DateTimeField("作废/过期时间", null=True, blank=True)
    end_reason = models.CharField("作废/过期原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "服务券"
        verbose_name_plural = "服务券"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="voucher_balance_within_face",
                                   condition=Q(balance__gte=0) & Q(balance__lte=F("face_value"))),
            models.CheckConstraint(name="voucher_face_positive", condition=Q(face_value__gt=0)),
        ]
        indexes = [
            models.Index(fields=["organisation", "state"], name="voucher_org_state_idx"),
            models.Index(fields=["state", "expires_on"], name="voucher_state_expiry_idx"),
            models.Index(fields=["year", "state"], name="voucher_year_state_idx"),
            models.Index(fields=["claimed_at"], name="voucher_claimed_at_idx"),  # dashboard date ranges
        ]

    def __str__(self):
        return f"{self.number} {self.get_category_display()} {self.face_value} 元"

    @property
    def number(self) -> str:
        return f"Q{self.year}{self.pk:07d}" if self.pk else "—"

    @property
    def spent(self):
        return self.face_value - self.balance if self.state in (self.State.LIVE, self.State.USED_UP) else None

    def is_usable(self, on=None) -> bool:
        return (self.state == self.State.LIVE and not self.is_frozen and self.expires_on >= (on or clock.today())
                and self.balance > 0)

    @property
    def is_frozen(self) -> bool:
        """Live but its qualification is suspended: neither claimable against nor deductible until the
        qualification is reinstated (the balance stays reserved); revocation, expiry or the fund voids it."""
        return self.state == self.State.LIVE and self.qualification.state == Qualification.State.SUSPENDED

    @property
    def status_label(self) -> str:
        return "已冻结（资格暂停中）" if self.is_frozen else self.get_state_display()

    def user_can_view(self, user) -> bool:
        return perms.can_view_voucher(self, user)

    # Fired by services only: the deduction that spends the last yuan uses a voucher up (`fire`); the daily
    # expiry job (期满作废, 第四条), the fund's exhaustion (资金总额不足, 第四条) and a revoked qualification
    # (第九条) end every live voucher of their set at once (`vouchers.services.expiry`, set-based through these
    # declarations).
    @transition(field=state, source=State.LIVE, target=State.USED_UP, permission=perms.nobody,
                conditions=[balance_spent], custom={"label": "余额用完"})
    def use_up(self):
        pass

    @transition(field=state, source=State.LIVE, target=State.EXPIRED, permission=perms.nobody,
                custom={"label": "期满作废"})
    def expire(self):
        pass

    @transition(field=state, source=State.LIVE, target=State.VOIDED, permission=perms.nobody,
                custom={"label": "资金不足或资格撤销作废"})
    def void(self):
        pass
