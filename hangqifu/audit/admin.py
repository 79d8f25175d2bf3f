from django.contrib import admin

from hangqifu.core.admin import ReadOnlyAdminMixin

from . import labels
from .models import AuditEvent, ChainCheck


class ActionFilter(admin.SimpleListFilter):
    title = "动作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(labels.ACTION_LABELS.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is append-only. Actions, object types and states in Chinese (hangqifu/audit/labels.py); the
    search box also finds an action by its Chinese name."""

    list_display = ["id", "occurred_at", "business_time", "actor_username", "organisation", "action_display",
                    "object_display", "transition_display"]
    list_filter = [ActionFilter]
    list_select_related = ["organisation"]
    search_fields = ["actor_username", "action", "object_id", "organisation__name"]
    date_hierarchy = "occurred_at"

    @admin.display(description="动作", ordering="action")
    def action_display(self, obj):
        return labels.action_label(obj.action)

    @admin.display(description="对象")
    def object_display(self, obj):
        return labels.object_label(obj.object_type, obj.object_id) or "—"

    @admin.display(description="状态变化")
    def transition_display(self, obj):
        return labels.transition_label(obj.object_type, obj.from_state, obj.to_state) or "—"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        codes = labels.actions_matching(search_term)
        if codes:
            results |= queryset.filter(action__in=codes)
        return results, may_have_duplicates


@admin.register(ChainCheck)
class ChainCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["checked_at", "business_date", "checked_by", "events_checked", "broken_event_id"]
    list_select_related = ["checked_by"]
