from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change or money movement. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE;
    each event carries the SHA-256 of the previous event of its chain (UNIQUE, so no chain can fork). The
    trail is `hangqifu.audit.chain.CHAINS` independent chains, picked by the subject organisation (hangqifu/audit/chain.py)."""

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
    chain = models.SmallIntegerField("哈希链", default=0)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
                   # the head of a chain: WHERE chain = k ORDER BY id DESC LIMIT 1
                   models.Index(fields=["chain", "id"], name="audit_chain_id_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(chain__gte=0), name="audit_event_chain_gte_0")]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class ChainCheck(models.Model):
    """One run of the audit-chain verification (the `verify_audit` check), kept to show when it last ran and
    to remember each chain's verified head for the next run (a deleted tail is only visible against it)."""

    checked_at = models.DateTimeField("核验时间")
    business_date = models.DateField("业务日期")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核验人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    events_checked = models.PositiveBigIntegerField("核验事件数")
    broken_event_id = models.BigIntegerField("首个异常事件", null=True, blank=True)
    # per chain {"id", "hash", "count"} of its verified head: the next check must find it (hangqifu.audit.chain.verify_chains)
    heads = models.JSONField("各链已核验末事件", default=dict, blank=True)
    problems = models.JSONField("异常说明", default=list, blank=True)  # one Chinese sentence per broken chain

    class Meta:
        verbose_name = "审计链核验"
        verbose_name_plural = "审计链核验"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'完整' if self.ok else '异常'}"

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None
