"""Staff screens of registration applications (service center): the review queue with filters, the computed
checklist, documents inline, transition buttons and bulk re-review. Every button calls a service."""
from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from hangqifu.audit.labels import action_label
from hangqifu.core.admin import DecisionPanelAdminMixin, OneChoiceFilter
from hangqifu.core.choices import Honour
from hangqifu.core.errors import DomainError
from hangqifu.documents.selectors import documents_for

from .. import permissions
from ..models import RegistrationApplication
from ..selectors import eligibility
from ..selectors.registration import overdue_registrations, registration_timeline
from ..services import review as review_services
from ..services.rereview import rereview_bulk_approve

State = RegistrationApplication.State


def documents_html(owner):
    documents = list(documents_for(owner))
    if not documents:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join(
        "", '<li>{}：<a href="{}">{}</a>（{}，{} KB）</li>',
        ((d.kind_label, reverse("documents:download", args=[d.pk]), d.original_name,
          d.uploaded_at.strftime("%Y-%m-%d %H:%M"), max(1, d.size // 1024)) for d in documents)))


class OverdueFilter(OneChoiceFilter):
    title, parameter_name, choice = "是否超期", "overdue", ("yes", "已超过审核期限")

    def narrow(self, queryset):
        return overdue_registrations(queryset)


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
class RegistrationApplicationAdmin(DecisionPanelAdminMixin, admin.ModelAdmin):
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
    change_form_template = "registration/qualification/admin_change_form.html"
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
        return documents_html(obj)

    @admin.display(description="办理记录")
    def timeline_display(self, obj):
        events = registration_timeline(obj)
        return format_html("<ol>{}</ol>", format_html_join(
            "", "<li>{} {} {}{}</li>",
            ((timezone.localtime(e.business_time).strftime("%Y-%m-%d %H:%M"), e.actor_username or "系统",
              action_label(e.action),
              f"：{e.payload.get('opinion')}" if e.payload.get("opinion") else "") for e in events))) or "—"

    # --- transition buttons ---------------------------------------------------------------------------
    def decision_context(self, request, obj):
        is_reviewer = permissions.is_reviewer(request.user)
        checklist = (eligibility.compute_checklist(obj) if obj.state == State.SUBMITTED
                     else [eligibility.ChecklistItem(**item) for item in obj.checklist])
        return {"checklist": checklist, "is_reviewer": is_reviewer, "registration": obj,
                "can_pre_review": is_reviewer and obj.state == State.SUBMITTED,
                "can_decide": is_reviewer and obj.state == State.PRE_REVIEWED,
                "decision_panel": is_reviewer and obj.state in (State.SUBMITTED, State.PRE_REVIEWED),
                "honour_choices": [(h, Honour(h).label) for h in obj.honours]}

    def decide(self, request, registration):
        action = request.POST.get("action")
        opinion = request.POST.get("opinion", "")
        if action == "pre_review":
            overrides = {}
            for key in eligibility.check_keys(registration.kind):
                reason = request.POST.get(f"override_{key}", "").strip()
                if reason:
                    overrides[key] = {"passed": True, "reason": reason}
            review_services.registration_pre_review(actor=request.user, registration=registration, passed=True,
                                                    opinion=opinion, overrides=overrides)
            return "形式预审已通过"
        if action == "approve":
            review_services.registration_approve(actor=request.user, registration=registration, opinion=opinion,
                                                 confirmed_honours=request.POST.getlist("confirmed_honours"))
            return "已认定资格并核定年度额度"
        if action == "return":
            review_services.registration_return(actor=request.user, registration=registration, opinion=opinion)
            return "已退回申请人修改"
        if action == "reject":
            review_services.registration_reject(actor=request.user, registration=registration, opinion=opinion)
            return "已作出不予通过决定"
        raise PermissionDenied

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
