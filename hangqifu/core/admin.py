from django.contrib import admin

from .models import WorkerHeartbeat


class ReadOnlyAdminMixin:
    """Staff read these records here; they are written only by services (workflows, the money core, the audit
    trail), so the admin neither adds, changes nor deletes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["marker", "created_at"]
