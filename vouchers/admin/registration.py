"""Staff screens of registration (service center): the review queue with filters, the computed checklist,
documents inline, transition buttons and bulk re-review; qualifications (suspend / reinstate / revoke),
change reports, and the reference lists with Excel/CSV import. Every button calls a service."""
from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from hangqifu.audit.labels import action_label
from hangqifu.audit.services import audit_record
from hangqifu.core.choices import Honour
from hangqifu.core.errors import DomainError
from hangqifu.documents.selectors import documents_for

from .. import permissions
from ..models import (
    AboveScaleEntry,
    ChangeReport,
    CreditListEntry,
    ParkRecognition,
    Qualification,
    RegistrationApplication,
    SizeThreshold,
)
from ..selectors import eligibility
from ..selectors.registration import overdue_registrations, registration_timeline
from ..services import change_reports as change_services
from ..services import imports
from ..services import qualification as qualification_services
from ..services import registration as services
from ..services.rereview import rereview_bulk_approve

State = RegistrationApplication.State


def _documents_html(owner):
    documents = list(documents_for(owner))
    if not documents:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join(
        "", '<li>{}：<a href="{}">{}</a>（{}，{} KB）</li>',
        ((d.kind_label, reverse("documents:download", args=[d.pk]), d.original_name,
          d.uploaded_at.strftime("%Y-%m-%d %H:%M"), max(1, d.size // 1024)) for d in documents)))


class OverdueFilter(admin.SimpleListFilter):
    title = "是否超期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已超过审核期限")]

    def queryset(self, request, queryset):
        return overdue_registrations(queryset) if self.value() == "yes" else queryset


class QueueChangeList(ChangeList):
    """The review queue's changelist with the row links built once per page: Django builds each row link with a
    reverse() and then resolves it again to append the queue's filters (`_changelist_filters`), ≈ 1 ms a link
    with this URLconf — most of the page's time at 50 rows × 2 links. The links are the same strings."""
    PK_MARK = "0PK0"

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # the change URL of a marker pk with the filters added the way add_preserved_filters adds them
        template = add_preserved_filters({"preserved_filters": self.preserved_filters, "opts": self.opts},
                                         super().url_for_result(SimpleNamespace(**{self.pk_attname: self.PK_MARK})))
        self._url_head, self._url_tail = template.split(self.PK_MARK, 1)
        self.preserved_filters = ""  # already in the URL: the template tag has nothing left to add (or resolve)

    def url_for_result(self, result):
        return f"{self._url_head}{quote(getattr(result, self.pk_attname))}{self._url_tail}"


class PreReviewForm(forms.Form):
    opinion = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(RegistrationApplication)
class RegistrationApplicationAdmin(admin.ModelAdmin):
    list_per_page = 50  # at the default 100 rows the page took 215 ms at p95 (bench/RESULTS.md)
    # the queue at 10,000 applications is CPU spent on the rows (bench/pages.py): row links and the action checkbox
    # are built without a URL resolve or a widget template per row (same HTML as Django's)
    list_display = ["id", "name", "credit_code", "year", "purpose", "kind", "district", "sector", "claimed_tier",
                    "state_badge", "submitted_at", "review_due_on"]
    list_display_links = ["id", "name"]
    list_filter = ["state", "purpose", "year", "kind", "district", "sector", ("claimed_tier", admin.ChoicesFieldListFilter),
                   OverdueFilter]
    search_fields = ["name", "credit_code"]
    list_select_related = ["organisation"]
    ordering = ["-id"]
    actions = ["approve_rereviews"]
    change_form_template = "vouchers/registration/admin_change_form.html"
    fieldsets = [
        ("申请", {"fields": ["organisation", "year", "purpose", "state", "kind", "name", "credit_code",
                           "established_on", "district", "independent_legal_person", "contact_name",
                           "contact_phone"]}),
        ("规模与领域", {"fields": ["industry", "sector", "employees", "revenue", "total_assets", "size_class"]}),
        ("荣誉称号", {"fields": ["honours_display", "claimed_tier", "confirmed_honours_display"]}),
        ("材料", {"fields": ["documents_display"]}),
        ("审核", {"fields": ["pre_review_opinion", "decision_opinion", "submitted_at", "review_due_on",
                           "pre_reviewed_at", "decided_at", "timeline_display"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # applicant data is read-only; staff act through the review buttons

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def action_checkbox(self, obj):
        """Django's checkbox (CheckboxInput rendered through the form renderer's template, ≈ 0.3 ms a row) as the
        same markup straight from format_html."""
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           ACTION_CHECKBOX_NAME, str(obj.pk),
                           format_html(gettext("Select this object for an action - {}"), str(obj)))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="状态", ordering="state")
    def state_badge(self, obj):
        css = {"approved": "state-ok", "rejected": "state-bad", "returned": "state-warn"}.get(obj.state, "")
        return format_html('<span class="state {}">{}</span>', css, obj.get_state_display())

    @admin.display(description="申报荣誉称号")
    def honours_display(self, obj):
        return "、".join(Honour(h).label for h in obj.honours) or "无"

    @admin.display(description="确认的荣誉称号")
    def confirmed_honours_display(self, obj):
        return "、".join(Honour(h).label for h in obj.confirmed_honours) or "—"

    @admin.display(description="上传材料（点击下载）")
    def documents_display(self, obj):
        return _documents_html(obj)

    @admin.display(description="办理记录")
    def timeline_display(self, obj):
        events = registration_timeline(obj)
        return format_html("<ol>{}</ol>", format_html_join(
            "", "<li>{} {} {}{}</li>",
            ((timezone.localtime(e.business_time).strftime("%Y-%m-%d %H:%M"), e.actor_username or "系统",
              action_label(e.action),
              f"：{e.payload.get('opinion')}" if e.payload.get("opinion") else "") for e in events))) or "—"

    # --- transition buttons ---------------------------------------------------------------------------
    def get_urls(self):
        return [path("<int:pk>/review/", self.admin_site.admin_view(self.review_view),
                     name="vouchers_registrationapplication_review")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context.update(self._review_context(request, obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def _review_context(self, request, obj):
        is_reviewer = permissions.is_reviewer(request.user)
        checklist = (eligibility.compute_checklist(obj) if obj.state == State.SUBMITTED
                     else [eligibility.ChecklistItem(**item) for item in obj.checklist])
        return {"checklist": checklist, "is_reviewer": is_reviewer, "registration": obj,
                "can_pre_review": is_reviewer and obj.state == State.SUBMITTED,
                "can_decide": is_reviewer and obj.state == State.PRE_REVIEWED,
                "can_return": is_reviewer and obj.state in (State.SUBMITTED, State.PRE_REVIEWED),
                "honour_choices": [(h, Honour(h).label) for h in obj.honours],
                "review_url": reverse("admin:vouchers_registrationapplication_review", args=[obj.pk])}

    def review_view(self, request, pk: int):
        registration = get_object_or_404(RegistrationApplication, pk=pk)
        back = reverse("admin:vouchers_registrationapplication_change", args=[pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        action = request.POST.get("action")
        opinion = request.POST.get("opinion", "")
        try:
            if action == "pre_review":
                overrides = {}
                for key in eligibility.check_keys(registration.kind):
                    reason = request.POST.get(f"override_{key}", "").strip()
                    if reason:
                        overrides[key] = {"passed": True, "reason": reason}
                services.registration_pre_review(actor=request.user, registration=registration, passed=True,
                                                 opinion=opinion, overrides=overrides)
                message = "形式预审已通过"
            elif action == "approve":
                services.registration_approve(actor=request.user, registration=registration, opinion=opinion,
                                              confirmed_honours=request.POST.getlist("confirmed_honours"))
                message = "已认定资格并核定年度额度"
            elif action == "return":
                services.registration_return(actor=request.user, registration=registration, opinion=opinion)
                message = "已退回申请人修改"
            elif action == "reject":
                services.registration_reject(actor=request.user, registration=registration, opinion=opinion)
                message = "已作出不予通过决定"
            else:
                raise PermissionDenied
        except DomainError as exc:
            self.message_user(request, exc.message(), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(back)

    @admin.action(description="批量通过所选年度复审（可“选择全部”覆盖所有筛选结果）")
    def approve_rereviews(self, request, queryset):
        try:
            result = rereview_bulk_approve(actor=request.user, queryset=queryset)
        except DomainError as exc:
            self.message_user(request, exc.message(), messages.ERROR)
            return
        self.message_user(request, f"已通过 {len(result.approved)} 件年度复审", messages.SUCCESS)
        for pk, reason in list(result.skipped.items())[:20]:
            self.message_user(request, f"申请 {pk} 未通过：{reason}", messages.WARNING)


class LateReportFilter(admin.SimpleListFilter):
    title = "变更报告"
    parameter_name = "late_report"

    def lookups(self, request, model_admin):
        return [("yes", "有逾期报告")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(change_reports__is_late=True).distinct()
        return queryset


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year", "kind", "tier", "quota", "used", "remaining_display", "state",
                    "organisation_district"]
    list_filter = ["year", "state", "tier", "kind", "organisation__district", LateReportFilter]
    search_fields = ["organisation__name", "organisation__credit_code"]
    list_select_related = ["organisation"]
    change_form_template = "vouchers/registration/admin_qualification_form.html"
    readonly_fields = ["organisation", "year", "kind", "tier", "quota", "used", "remaining_display", "state",
                       "state_reason", "honours", "registration", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="剩余额度", ordering=F("quota") - F("used"))
    def remaining_display(self, obj):
        return obj.remaining

    @admin.display(description="所在区县", ordering="organisation__district")
    def organisation_district(self, obj):
        return obj.organisation.get_district_display()

    def get_urls(self):
        return [path("<int:pk>/state/", self.admin_site.admin_view(self.state_view),
                     name="vouchers_qualification_state")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            reviewer = permissions.is_reviewer(request.user)
            extra_context.update({
                "state_url": reverse("admin:vouchers_qualification_state", args=[obj.pk]),
                "actions_allowed": [(a, label) for a, label, source in (
                    ("suspend", "暂停资格", ["active"]), ("reinstate", "恢复资格", ["suspended"]),
                    ("revoke", "撤销资格", ["active", "suspended"])) if reviewer and obj.state in source],
                "change_reports": obj.change_reports.all()})
        return super().change_view(request, object_id, form_url, extra_context)

    def state_view(self, request, pk: int):
        qualification = get_object_or_404(Qualification, pk=pk)
        back = reverse("admin:vouchers_qualification_change", args=[pk])
        if request.method == "POST":
            service = {"suspend": qualification_services.qualification_suspend,
                       "reinstate": qualification_services.qualification_reinstate,
                       "revoke": qualification_services.qualification_revoke}.get(request.POST.get("action"))
            if service is None:
                raise PermissionDenied
            try:
                service(actor=request.user, qualification=qualification, reason=request.POST.get("reason", ""))
            except DomainError as exc:
                self.message_user(request, exc.message(), messages.ERROR)
            else:
                self.message_user(request, "资格状态已更新并已通知主体", messages.SUCCESS)
        return HttpResponseRedirect(back)


@admin.register(ChangeReport)
class ChangeReportAdmin(admin.ModelAdmin):
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
    change_form_template = "vouchers/registration/admin_change_report_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="相关资格")
    def qualification_link(self, obj):
        if obj.qualification_id is None:
            return "—"
        return format_html('<a href="{}">{}（暂停/撤销请在此操作）</a>',
                           reverse("admin:vouchers_qualification_change", args=[obj.qualification_id]),
                           obj.qualification)

    @admin.display(description="证明材料")
    def documents_display(self, obj):
        return _documents_html(obj)

    def get_urls(self):
        return [path("<int:pk>/review/", self.admin_site.admin_view(self.review_view),
                     name="vouchers_changereport_review")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context["can_review"] = permissions.is_reviewer(request.user) and obj.state == ChangeReport.State.SUBMITTED
            extra_context["review_url"] = reverse("admin:vouchers_changereport_review", args=[obj.pk])
            extra_context["decisions"] = [(d, ChangeReport.Decision(d).label)
                                          for d in change_services.allowed_decisions(obj)]
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request, pk: int):
        report = get_object_or_404(ChangeReport, pk=pk)
        if request.method == "POST":
            try:
                change_services.change_report_review(actor=request.user, report=report,
                                                     opinion=request.POST.get("opinion", ""),
                                                     decision=request.POST.get("decision", ""))
            except DomainError as exc:
                self.message_user(request, exc.message(), messages.ERROR)
            else:
                self.message_user(request, "变更报告已核查", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:vouchers_changereport_change", args=[pk]))


# --- reference data --------------------------------------------------------------------------------------

@admin.register(SizeThreshold)
class SizeThresholdAdmin(admin.ModelAdmin):
    list_display = ["industry", "size_class", "employees_min", "revenue_min", "total_assets_min", "effective_from",
                    "source"]
    list_filter = ["industry", "effective_from"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="reference.size_threshold_" + ("change" if change else "add"), obj=obj,
                     payload={f: form.cleaned_data.get(f) for f in form.changed_data})


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel（.xlsx）或 CSV 文件")
    list_kind = forms.ChoiceField(label="名单", choices=CreditListEntry.ListKind.choices, required=False)
    year = forms.IntegerField(label="升规年度（文件无“升规年度”列时）", required=False)
    source = forms.CharField(label="来源（如“信用中国”导出日期）", required=False)


class _ImportAdmin(admin.ModelAdmin):
    """View-only list with an “导入” page (add permission = may import)."""
    change_list_template = "vouchers/registration/admin_import_changelist.html"
    import_help = ""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info)] + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        info = self.model._meta.app_label, self.model._meta.model_name
        return HttpResponseRedirect(reverse("admin:%s_%s_import" % info))

    def run_import(self, request, form):
        raise NotImplementedError

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = self.run_import(request, form)
            except DomainError as exc:
                for error in exc.fields.get("file", []) or [exc.detail]:
                    form.add_error("file", error)
            else:
                suspended = (f"；按第六条暂停 {result['suspended_qualifications']} 个年度资格、"
                             f"{result['suspended_providers']} 家服务机构入驻" if "suspended_qualifications" in result else "")
                self.message_user(request, f"已导入 {result['rows']} 行（新增 {result['created']}，更新 {result['updated']}）"
                                  f"{suspended}", messages.SUCCESS)
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % info))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": f"导入{self.model._meta.verbose_name_plural}", "import_help": self.import_help}
        return TemplateResponse(request, "vouchers/registration/admin_import.html", context)


@admin.register(ParkRecognition)
class ParkRecognitionAdmin(_ImportAdmin):
    list_display = ["park_name", "operator_name", "credit_code", "star_level", "recognised_on", "valid_until"]
    search_fields = ["park_name", "operator_name", "credit_code"]
    import_help = "表头：运营主体统一社会信用代码、运营主体名称、园区名称、星级、认定日期、有效期至。"

    def run_import(self, request, form):
        return imports.import_park_recognitions(actor=request.user, uploaded_file=form.cleaned_data["file"])


@admin.register(AboveScaleEntry)
class AboveScaleEntryAdmin(_ImportAdmin):
    list_display = ["year", "credit_code", "name"]
    list_filter = ["year"]
    search_fields = ["credit_code", "name"]
    import_help = "表头：统一社会信用代码、企业名称、升规年度（无此列时填写下方年度）。"

    def run_import(self, request, form):
        return imports.import_above_scale(actor=request.user, uploaded_file=form.cleaned_data["file"],
                                          year=form.cleaned_data["year"])
