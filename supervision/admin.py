from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from hangqifu.audit import labels
from hangqifu.core import clock
from hangqifu.core.admin import NoAddDeleteAdminMixin, OneChoiceFilter, ReadOnlyAdminMixin, ServiceTransitionAdminMixin
from hangqifu.core.errors import DomainError

from . import complaints
from .forms import FindingsForm
from .models import Complaint, FraudSignal, Recovery, RecoveryLine, Repayment, SpotCheck, SpotCheckItem


class OverdueFilter(OneChoiceFilter):
    title, parameter_name, choice = "是否逾期", "overdue", ("1", "已逾期未办结")

    def narrow(self, queryset):
        return queryset.filter(state__in=Complaint.OPEN_STATES, due_on__lt=clock.today())


@admin.register(Complaint)
class ComplaintAdmin(NoAddDeleteAdminMixin, ServiceTransitionAdminMixin, admin.ModelAdmin):
    """Service-center staff investigate here: the buttons call the complaint services (complaints are filed on
    the portal, by the complainant)."""

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
