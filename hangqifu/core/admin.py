from django.contrib import admin
from django_celery_beat import models as beat_models

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


# The periodic schedule is code-owned (core/scheduler.py): its rows are shown, never edited or run from here.
for _model in (beat_models.PeriodicTask, beat_models.IntervalSchedule, beat_models.CrontabSchedule,
               beat_models.SolarSchedule, beat_models.ClockedSchedule):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(beat_models.PeriodicTask)
class PeriodicTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "task", "enabled", "interval", "crontab", "last_run_at", "total_run_count"]
    readonly_fields = ["name", "task", "enabled", "interval", "crontab", "args", "kwargs", "last_run_at",
                       "total_run_count", "description"]
    fields = readonly_fields
    actions = None


@admin.register(beat_models.IntervalSchedule, beat_models.CrontabSchedule, beat_models.SolarSchedule,
                beat_models.ClockedSchedule)
class ScheduleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = None
