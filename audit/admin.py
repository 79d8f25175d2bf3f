from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only."""

    list_display = ["id", "occurred_at", "business_time", "actor_username", "organisation", "action", "object_type",
                    "object_id", "from_state", "to_state"]
    list_filter = ["action", "object_type"]
    list_select_related = ["organisation"]
    search_fields = ["actor_username", "action", "object_id", "organisation__name"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
