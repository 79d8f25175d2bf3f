from django.contrib.auth.models import AbstractUser
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition
from knox.models import AbstractAuthToken

from hangqifu.core.choices import District

from . import predicates
from .roles import Role
from .validators import validate_credit_code


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "中小微企业"
        PARK = "park", "小微企业园"
        PROVIDER = "provider", "服务机构"
        DISTRICT = "district", "区县（市）"
        AGENCY = "agency", "政府部门"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, null=True, unique=True,
                                   validators=[validate_credit_code])
    district = models.CharField("所在区县", max_length=20, choices=District.choices, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["id"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(Organisation, verbose_name="所属组织", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="users")
    phone = models.CharField("手机号", max_length=30, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def has_role(self, *roles: str) -> bool:
        """Acts in one of `roles` now (`predicates.has_role`: active, and for staff roles signed in with the
        second factor)."""
        return predicates.has_role(self, *roles)


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox: only its SHA-512 digest is stored). It ends at `expiry`, when its owner
    revokes it or logs out, and when the owner's password changes (`password_stamp` no longer matches).
    A revoked token is kept so that a replay is recognised and audited."""

    class RevokedReason(models.TextChoices):
        LOGOUT = "logout", "退出登录"
        OWNER = "owner", "本人注销"
        PASSWORD_CHANGED = "password_changed", "密码已修改"
        SECOND_FACTOR_CHANGED = "second_factor_changed", "动态口令已变更"
        ACCOUNT_DISABLED = "account_disabled", "账号已停用"

    second_factor = models.BooleanField("已通过动态口令验证", default=False)
    password_stamp = models.CharField("签发时的密码指纹", max_length=128)
    label = models.CharField("客户端", max_length=200, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revoked_reason = models.CharField("注销原因", max_length=30, choices=RevokedReason.choices, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_live")]


class CreditCodeClaim(FSMModelMixin, models.Model):
    """A company says another account registered with its 统一社会信用代码. It files the claim with its
    business licence (no account needed: it is locked out); the service center checks the licence and either
    transfers the code — the holder keeps its data but loses the code, the claimant gets its account — or
    rejects the claim. Both decisions are audited."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待核实"
        TRANSFERRED = "transferred", "已转移"
        REJECTED = "rejected", "已驳回"

    credit_code = models.CharField("统一社会信用代码", max_length=18, validators=[validate_credit_code])
    organisation_name = models.CharField("单位名称（以营业执照为准）", max_length=200)
    kind = models.CharField("账号类型", max_length=20, choices=Organisation.Kind.choices)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=30)
    email = models.EmailField("电子邮箱", blank=True)
    username = models.CharField("申请的用户名", max_length=150)
    password_hash = models.CharField("密码（已加密）", max_length=128)
    state = FSMField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED, protected=True)
    holder = models.ForeignKey(Organisation, verbose_name="提交时持有该代码的组织", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    new_organisation = models.ForeignKey(Organisation, verbose_name="转移后的组织", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField("提交时间")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_note = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "信用代码归属申诉"
        verbose_name_plural = "信用代码归属申诉"
        ordering = ["-filed_at"]

    def __str__(self):
        return f"{self.organisation_name}（{self.credit_code}）"

    def user_can_view(self, user) -> bool:
        """Its business licence: the service center and the bureau."""
        return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.SERVICE_CENTER, Role.BUREAU))

    # The service center decides, on the business licence (hangqifu/accounts/credit_claims.py).
    @transition(field=state, source=State.SUBMITTED, target=State.TRANSFERRED, permission=predicates.service_center,
                custom={"label": "核实后转移代码"})
    def transfer(self):
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED, permission=predicates.service_center,
                custom={"label": "驳回申诉"})
    def reject(self):
        pass
