import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .kinds import EXTENSIONS, kind_label


def document_path(instance: "Document", filename: str) -> str:
    """Server-generated: per-year folder, random name, extension from the sniffed content type.
    The uploader's file name never reaches the file system."""
    return f"documents/{instance.uploaded_at:%Y}/{uuid.uuid4().hex}{EXTENSIONS[instance.mime_type]}"


class Document(models.Model):
    """An uploaded file owned by any object (registration, order, claim, notice …). The owner decides who
    may download it through its `user_can_view(user)` method."""

    content_type = models.ForeignKey(ContentType, verbose_name="所属对象类型", on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.CharField("所属对象编号", max_length=64)
    owner = GenericForeignKey("content_type", "object_id")
    kind = models.CharField("材料类型", max_length=50)
    file = models.FileField("文件", upload_to=document_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=120)
    mime_type = models.CharField("文件格式", max_length=50)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "材料文件"
        verbose_name_plural = "材料文件"
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id", "kind"], name="document_owner_idx")]

    def __str__(self):
        return f"{self.kind_label}：{self.original_name}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("documents:download", args=[self.pk])
