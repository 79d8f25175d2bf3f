from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change or money movement. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE;
    each event carries the SHA-256 of the previous one (UNIQUE, so the chain cannot fork)."""

    occurred_at = models.DateTimeField("记录时间")
    business_time = models.DateTimeField("业务时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name="组织", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    action = models.CharField("动作", max_length=100, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    from_state = models.CharField("原状态", max_length=50, blank=True)
    to_state = models.CharField("新状态", max_length=50, blank=True)
    payload = models.JSONField("内容", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    prev_hash = models.CharField("前一事件哈希", max_length=64, unique=True)
    hash = models.CharField("哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
