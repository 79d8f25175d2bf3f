from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a money-moving POST sent with an Idempotency-Key header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "幂等请求记录"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_once_per_user_key")]


class WorkerHeartbeat(models.Model):
    """Written by the `ping` task so operators (and the worker test) can see a worker process tasks."""

    marker = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "任务进程心跳"
        verbose_name_plural = verbose_name


class OutboxMessage(models.Model):
    """A task to send to the broker, written in the same transaction as the change that needs it (transactional
    outbox): if the broker is down when the transaction commits, the change stands and the message waits here
    until the relay (periodic job `core.outbox_relay`) sends it."""

    task = models.CharField("任务", max_length=200)
    args = models.JSONField("参数", default=list)
    created_at = models.DateTimeField("写入时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("发送失败次数", default=0)
    last_error = models.CharField("最近一次失败原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "待发送任务"
        verbose_name_plural = verbose_name
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "id"], name="outbox_pending_idx")]

    def __str__(self):
        return f"{self.task}{self.args}"
