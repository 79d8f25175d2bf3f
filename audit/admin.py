from django.contrib import admin

from hangqifu.core.admin import ReadOnlyAdminMixin

from . import labels
from .models import AuditEvent


class ActionFilter(admin.SimpleListFilter):
    title = "动作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(labels.ACTION_LABELS.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is append-only. Actions, object types and states in Chinese (audit/labels.py); the
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


# --- Supervision admin: every workflow step goes through the same services as the pages and the API -------

from django import forms  # noqa: E402
from django.contrib import messages  # noqa: E402
from django_fsm.admin import FSMAdminMixin  # noqa: E402

from hangqifu.core.errors import DomainError  # noqa: E402

from . import sanctions  # noqa: E402
from .forms import LiftForm, SanctionForm  # noqa: E402
from .models import CreditRecord, Sanction  # noqa: E402
from .permissions import can_sanction  # noqa: E402


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


class SanctionAdminForm(forms.ModelForm):
    reason = SanctionForm.base_fields["reason"]
    ban_years = SanctionForm.base_fields["ban_years"]
    organisation = SanctionForm.base_fields["organisation"]

    class Meta:
        model = Sanction
        fields = ["organisation", "reason", "ban_years"]


class CreditRecordInline(admin.TabularInline):
    model = CreditRecord
    fields = ["created_at", "content"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sanction)
class SanctionAdmin(ServiceTransitionAdminMixin, admin.ModelAdmin):
    fsm_fields = ["state"]
    fsm_forms = {"lift": LiftForm}
    fsm_services = {"lift": lambda actor, obj, reason: sanctions.sanction_lift(actor=actor, sanction=obj,
                                                                                reason=reason)}
    form = SanctionAdminForm
    list_display = ["id", "organisation", "starts_on", "ends_on", "ban_years", "state", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["organisation", "decided_by"]
    search_fields = ["organisation__name", "organisation__credit_code", "reason"]
    inlines = [CreditRecordInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organisation", "reason", "ban_years"]
        return ["organisation", "reason", "ban_years", "starts_on", "ends_on", "state", "decided_by", "decided_at",
                "lifted_by", "lifted_at", "lift_reason"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_changeform_initial_data(self, request):
        from hangqifu.policy.services import policy_for

        return {"ban_years": policy_for().sanction_ban_years, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            return  # a decision is never edited; it is lifted with the button
        sanction = sanctions.sanction_impose(actor=request.user, **form.cleaned_data)
        obj.__dict__.update({k: v for k, v in sanction.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def has_add_permission(self, request):
        return can_sanction(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "organisation", "created_at", "content"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "organisation__credit_code", "content"]


from django.urls import reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from hangqifu.core import clock  # noqa: E402

from . import complaints  # noqa: E402
from .forms import FindingsForm  # noqa: E402
from .models import Complaint  # noqa: E402


class OverdueFilter(admin.SimpleListFilter):
    title = "是否逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", "已逾期未办结")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(state__in=Complaint.OPEN_STATES, due_on__lt=clock.today())
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(ServiceTransitionAdminMixin, admin.ModelAdmin):
    """Service-center staff investigate here: the buttons call the complaint services."""

    fsm_fields = ["state"]
    fsm_forms = {"resolve": FindingsForm, "dismiss": FindingsForm}
    fsm_services = {
        "start_investigation": lambda actor, obj: complaints.complaint_start_investigation(actor=actor, complaint=obj),
        "resolve": lambda actor, obj, findings: complaints.complaint_resolve(actor=actor, complaint=obj,
                                                                             findings=findings),
        "dismiss": lambda actor, obj, findings: complaints.complaint_dismiss(actor=actor, complaint=obj,
                                                                             findings=findings),
    }
    list_display = ["tracking_number", "subject", "complainant_name", "object_display", "filed_at", "due_on",
                    "overdue_flag", "handler", "state"]
    list_filter = ["state", OverdueFilter]
    list_select_related = ["handler", "complainant"]
    search_fields = ["tracking_number", "subject", "complainant_name", "object_id"]
    readonly_fields = ["tracking_number", "state", "complainant", "complainant_name", "contact", "subject", "content",
                       "object_display", "filed_at", "due_on", "handler", "investigation_started_at", "findings",
                       "closed_at", "history_link"]
    fields = readonly_fields
    actions = ["start_investigation_action"]

    @admin.display(description="投诉对象")
    def object_display(self, obj):
        if not obj.object_type:
            return "—"
        label = complaints.OBJECT_TYPE_LABELS.get(obj.object_type) or labels.object_type_label(obj.object_type)
        url = reverse("audit:timeline", args=[obj.object_type, obj.object_id])
        return format_html('{} #{} · <a href="{}">审计记录</a>', label, obj.object_id, url)

    @admin.display(description="逾期", boolean=True)
    def overdue_flag(self, obj):
        return obj.is_overdue()

    @admin.display(description="办理页面")
    def history_link(self, obj):
        return format_html('<a href="{}">打开办理页面（含转交）</a> · <a href="{}">本投诉审计记录</a>',
                           reverse("audit:complaint-detail", args=[obj.pk]),
                           reverse("audit:timeline", args=["complaint", obj.pk]))

    @admin.action(description="开始调查（由我承办）")
    def start_investigation_action(self, request, queryset):
        started = 0
        for complaint in queryset:
            try:
                complaints.complaint_start_investigation(actor=request.user, complaint=complaint)
                started += 1
            except DomainError as exc:
                self.message_user(request, f"{complaint.tracking_number}：{exc.detail}", messages.WARNING)
        if started:
            self.message_user(request, f"已开始调查 {started} 件投诉", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        """Nothing is edited directly: every step is a button calling a service."""

    def has_add_permission(self, request):
        return False  # complaints are filed on the portal, by the complainant

    def has_delete_permission(self, request, obj=None):
        return False


from .models import ChainCheck  # noqa: E402


@admin.register(ChainCheck)
class ChainCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["checked_at", "business_date", "checked_by", "events_checked", "broken_event_id"]
    list_select_related = ["checked_by"]


# --- Insight: read-only in the admin (fraud confirmation, repayments and spot checks go through their pages) --

from .models import FraudSignal, Recovery, RecoveryLine, Repayment, SpotCheck, SpotCheckItem  # noqa: E402


@admin.register(FraudSignal)
class FraudSignalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["computed_for", "score", "rule", "subject_type", "subject_id", "organisation"]
    list_filter = ["computed_for", "rule", "subject_type"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]


class RecoveryLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RecoveryLine
    fields = ["order", "deduction", "claim", "amount"]
    readonly_fields = fields
    extra = 0


class RepaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Repayment
    fields = ["paid_on", "reference", "amount", "recorded_by", "recorded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "organisation", "amount", "repaid", "state", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]
    inlines = [RecoveryLineInline, RepaymentInline]


class SpotCheckItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SpotCheckItem
    fields = ["position", "label", "organisation", "amount", "risk_score", "finding", "notes"]
    readonly_fields = fields
    extra = 0


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "title", "target", "method", "period_start", "period_end", "sample_size", "seed", "state"]
    list_filter = ["state", "target", "method"]
    search_fields = ["title"]
    inlines = [SpotCheckItemInline]
