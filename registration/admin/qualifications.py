"""Staff screens of the year's qualifications (suspend / reinstate / revoke) and of change reports (第九条). Every
button calls a service."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from hangqifu.core.admin import DecisionPanelAdminMixin, OneChoiceFilter, ReadOnlyAdminMixin

from .. import permissions
from ..models import ChangeReport, Qualification
from ..services import change_reports as change_services
from ..services import qualification as qualification_services
from .applications import documents_html


class LateReportFilter(OneChoiceFilter):
    title, parameter_name, choice = "变更报告", "late_report", ("yes", "有逾期报告")

    def narrow(self, queryset):
        return queryset.filter(change_reports__is_late=True).distinct()


@admin.register(Qualification)
class QualificationAdmin(DecisionPanelAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "year", "kind", "tier", "quota", "used", "remaining_display", "state",
                    "organisation_district"]
    list_filter = ["year", "state", "tier", "kind", "organisation__district", LateReportFilter]
    search_fields = ["organisation__name", "organisation__credit_code"]
    list_select_related = ["organisation"]
    change_form_template = "registration/qualification/admin_qualification_form.html"
    readonly_fields = ["organisation", "year", "kind", "tier", "quota", "used", "remaining_display", "state",
                       "state_reason", "honours", "registration", "created_at"]
    fields = readonly_fields

    @admin.display(description="剩余额度", ordering=F("quota") - F("used"))
    def remaining_display(self, obj):
        return obj.remaining

    @admin.display(description="所在区县", ordering="organisation__district")
    def organisation_district(self, obj):
        return obj.organisation.get_district_display()

    decision_route = "state"

    def decision_context(self, request, obj):
        reviewer = permissions.is_reviewer(request.user)
        actions = [(a, label) for a, label, source in (
            ("suspend", "暂停资格", ["active"]), ("reinstate", "恢复资格", ["suspended"]),
            ("revoke", "撤销资格", ["active", "suspended"])) if reviewer and obj.state in source]
        return {"decision_panel": bool(actions), "actions_allowed": actions, "change_reports": obj.change_reports.all()}

    def decide(self, request, qualification):
        service = {"suspend": qualification_services.qualification_suspend,
                   "reinstate": qualification_services.qualification_reinstate,
                   "revoke": qualification_services.qualification_revoke}.get(request.POST.get("action"))
        if service is None:
            raise PermissionDenied
        service(actor=request.user, qualification=qualification, reason=request.POST.get("reason", ""))
        return "资格状态已更新并已通知主体"


@admin.register(ChangeReport)
class ChangeReportAdmin(DecisionPanelAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "change_kind", "change_date", "reported_on", "deadline", "deadline_provisional",
                    "is_late", "suspended_qualification", "state", "decision"]
    list_filter = ["state", "is_late", "suspended_qualification", "change_kind", "organisation__district"]
    search_fields = ["organisation__name", "organisation__credit_code"]
    list_select_related = ["organisation"]
    readonly_fields = ["organisation", "qualification_link", "reported_by", "change_kind", "change_date",
                       "new_size_class", "description", "reported_on", "deadline", "deadline_provisional", "is_late",
                       "affects_eligibility", "suspended_qualification", "state", "decision", "review_opinion",
                       "documents_display"]
    fields = readonly_fields
    change_form_template = "registration/qualification/admin_change_report_form.html"

    @admin.display(description="相关资格")
    def qualification_link(self, obj):
        if obj.qualification_id is None:
            return "—"
        return format_html('<a href="{}">{}（暂停/撤销请在此操作）</a>',
                           reverse("admin:registration_qualification_change", args=[obj.qualification_id]),
                           obj.qualification)

    @admin.display(description="证明材料")
    def documents_display(self, obj):
        return documents_html(obj)

    def decision_context(self, request, obj):
        return {"decision_panel": permissions.is_reviewer(request.user) and obj.state == ChangeReport.State.SUBMITTED,
                "decisions": [(d, ChangeReport.Decision(d).label) for d in change_services.allowed_decisions(obj)]}

    def decide(self, request, report):
        change_services.change_report_review(actor=request.user, report=report,
                                             opinion=request.POST.get("opinion", ""),
                                             decision=request.POST.get("decision", ""))
        return "变更报告已核查"
