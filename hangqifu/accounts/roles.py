"""Roles are groups (with model permissions for the admin) and a field on the user (for rules)."""
from django.db import models


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", "中小微企业"
    PARK = "park", "小微企业园"
    PROVIDER = "provider", "服务机构"
    SERVICE_CENTER = "service_center", "市工信服务中心"
    BUREAU = "bureau", "市经信局"
    FINANCE_BUREAU = "finance_bureau", "市财政局"
    DISTRICT = "district", "区县（市）财政"
    EXPERT = "expert", "评审专家"


STAFF_ROLES = frozenset({Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU})
BUYER_ROLES = frozenset({Role.ENTERPRISE, Role.PARK})

# Admin permissions per staff role: "app_label.action_model". Apps above the accounts extend these lists for their
# models (`grant` in their AppConfig.ready); the apps below them (the audit trail, documents), which cannot import
# the roles, are listed here with the accounts' own.
_STAFF_READS = {"audit.view_auditevent", "audit.view_chaincheck", "documents.view_document"}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.SERVICE_CENTER: {
        "accounts.view_user", "accounts.view_organisation", "accounts.change_organisation",
        "accounts.view_creditcodeclaim", "accounts.view_apitoken",
        "policy.view_policyyear", *_STAFF_READS,
    },
    Role.BUREAU: {
        "accounts.view_user", "accounts.view_organisation", "accounts.view_creditcodeclaim", "accounts.view_apitoken",
        "policy.view_policyyear", "policy.change_policyyear", "policy.add_policyyear", *_STAFF_READS,
        # The schedule is code-owned (hangqifu.core.scheduler): visible, never editable.
        "django_celery_beat.view_periodictask",
    },
    Role.FINANCE_BUREAU: {"accounts.view_organisation", "policy.view_policyyear", *_STAFF_READS},
}


def grant(role: str, *permissions: str) -> None:
    ROLE_PERMISSIONS.setdefault(role, set()).update(permissions)


def sync_role_groups(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    by_name = {f"{app_label}.{codename}": pk for pk, app_label, codename in
               Permission.objects.values_list("pk", "content_type__app_label", "codename")}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set([by_name[p] for p in ROLE_PERMISSIONS.get(role, set()) if p in by_name])
