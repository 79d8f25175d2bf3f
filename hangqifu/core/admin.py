from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django_celery_beat import models as beat_models
from django_fsm.admin import FSMAdminMixin

from .errors import DomainError
from .models import WorkerHeartbeat


class OneChoiceFilter(admin.SimpleListFilter):
    """A changelist filter with one choice besides 全部: `choice` is its value in the URL and its label,
    `narrow(queryset)` the rows the choice keeps."""
    choice: tuple[str, str]

    def lookups(self, request, model_admin):
        return [self.choice]

    def queryset(self, request, queryset):
        return self.narrow(queryset) if self.value() == self.choice[0] else queryset

    def narrow(self, queryset):
        raise NotImplementedError


class NoAddDeleteAdminMixin:
    """These records are created and removed only by their workflow's services (filed on the portal, decided,
    withdrawn), so the admin neither adds nor deletes them; staff act on them through actions and buttons."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin(NoAddDeleteAdminMixin):
    """Staff read these records here; they are written only by services (workflows, the money core, the audit
    trail), so the admin neither adds, changes nor deletes them."""

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page and written only by services: no row is added, changed or deleted
    here (each subclass names its `fields` read-only too)."""
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecisionPanelAdminMixin:
    """A change form with a panel of decision buttons (review, suspend …) that post to one page of the object,
    `<pk>/<decision_route>/`, named `<app>_<model>_<decision_route>`. `decision_context` gives the panel what
    it shows (with `decision_panel` true where the user may decide: templates/admin/decision_panel_change_form.html
    then places the form the panel posts, to `decision_url`); `decide` calls the service and returns the success
    message. A refused decision (DomainError) is
    shown as an error; either way staff land back on the change form."""

    decision_route = "review"

    def _admin_url_name(self, suffix: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{suffix}"

    def decision_url(self, obj) -> str:
        return reverse(f"admin:{self._admin_url_name(self.decision_route)}", args=[obj.pk])

    def get_urls(self):
        return [path(f"<int:pk>/{self.decision_route}/", self.admin_site.admin_view(self.decision_view),
                     name=self._admin_url_name(self.decision_route))] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context.update({"decision_url": self.decision_url(obj), **self.decision_context(request, obj)})
        return super().change_view(request, object_id, form_url, extra_context)

    def decision_view(self, request, pk: int):
        obj = get_object_or_404(self.model, pk=pk)
        if request.method == "POST":
            try:
                message = self.decide(request, obj)
            except DomainError as exc:
                self.message_user(request, exc.message(), messages.ERROR)
            else:
                self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self._admin_url_name('change')}", args=[pk]))


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


class ServiceTransitionAdminMixin(FSMAdminMixin):
    """FSM buttons in the change form, but each button calls the app's service (audit, notify, locks) rather
    than the bare model transition. `fsm_services` maps a transition name to `service(actor, obj, **form)`."""

    fsm_services: dict = {}
    change_form_template = "audit/admin/fsm_change_form.html"
    fsm_transition_form_template = "audit/admin/fsm_transition_form.html"
    fsm_transition_success_msg = "已执行：{transition_name}"
    fsm_transition_not_allowed_msg = "当前状态下不能执行：{transition_name}"

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return "办理"

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None) -> bool:
        service = self.fsm_services.get(transition_name)
        label = self.get_fsm_label(self._get_fsm_transition_by_name(obj=obj, transition_name=transition_name))
        if service is None:
            self.message_user(request, self.fsm_transition_not_allowed_msg.format(transition_name=label),
                              messages.ERROR)
            return False
        try:
            service(request.user, obj, **(kwargs or {}))
        except DomainError as exc:
            self.message_user(request, exc.message(), messages.ERROR)
            return False
        self.message_user(request, self.fsm_transition_success_msg.format(transition_name=label), messages.SUCCESS)
        return True
