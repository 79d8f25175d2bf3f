from django.contrib.auth.models import AbstractUser
from django.db import models

from hangqifu.core.choices import District

from .roles import STAFF_ROLES, Role
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

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_authenticated and self.is_active and self.role in roles
