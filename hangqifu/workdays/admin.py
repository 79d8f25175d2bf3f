from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "weekday", "is_working_day", "holiday_name", "provisional"]
    list_filter = ["is_working_day", "provisional"]
    search_fields = ["holiday_name"]
    date_hierarchy = "date"
    ordering = ["date"]

    @admin.display(description="星期")
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        saved = services.calendar_day_set(actor=request.user, day=obj.date, is_working_day=obj.is_working_day,
                                          holiday_name=obj.holiday_name, provisional=obj.provisional)
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        # A missing day silently becomes a provisional Monday–Friday day: correct it instead.
        return False
