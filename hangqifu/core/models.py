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
