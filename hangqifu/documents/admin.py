from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from hangqifu.core.admin import ReadOnlyAdminMixin

from .models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only register of uploads; files are downloaded through the permission-checked view."""

    list_display = ["id", "original_name", "kind", "content_type", "object_id", "size", "uploaded_by", "uploaded_at",
                    "download"]
    list_filter = ["kind", "mime_type", "content_type"]
    list_select_related = ["content_type", "uploaded_by"]
    search_fields = ["original_name", "sha256", "object_id"]
    fields = ["content_type", "object_id", "kind", "original_name", "mime_type", "size", "sha256", "uploaded_by",
              "uploaded_at", "download"]
    readonly_fields = fields

    @admin.display(description="下载")
    def download(self, obj):
        return format_html('<a href="{}">下载</a>', reverse("documents:download", args=[obj.pk]))
