from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from hangqifu.audit.services import audit_record
from hangqifu.core.admin import NoAddDeleteAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline
from hangqifu.documents.selectors import documents_for

from .. import selectors, services
from ..models import ApplicationProduct, ConflictDeclaration, ExpertAssignment, ProviderApplication, Review
from ..models import SelectionRound
from ._actions import run_together


def documents_html(owner):
    documents = list(documents_for(owner))
    if not documents:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join("", '<li>{}：<a href="{}">{}</a></li>', (
        (d.kind_label, reverse("documents:download", args=[d.pk]), d.original_name) for d in documents)))


@admin.register(SelectionRound)
class SelectionRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "opens_at", "closes_at", "is_open_display", "results_link"]
    list_filter = ["year"]
    fields = ["year", "title", "announcement", "opens_at", "closes_at"]

    @admin.display(description="申报中", boolean=True)
    def is_open_display(self, obj):
        return obj.is_open()

    @admin.display(description="评审结果")
    def results_link(self, obj):
        return format_html('<a href="{}">排名</a>', reverse("providers:round-results", args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            if not change:
                obj.created_by = request.user
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="selection_round.update" if change else "selection_round.create",
                         obj=obj, payload={f: str(form.cleaned_data.get(f)) for f in form.changed_data})


class ApplicationProductInline(ReadOnlyInline):
    model = ApplicationProduct
    fields = ["category", "title", "price", "last_year_average_price", "price_flag", "cases_last_year"]
    readonly_fields = fields

    @admin.display(description="价格提示")
    def price_flag(self, obj):
        return "高于定价依据" if obj.price_above_basis else "—"


class AssignmentInline(ReadOnlyInline):
    model = ExpertAssignment
    fields = ["expert", "assigned_by", "assigned_at"]
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ["reviewer_kind", "reviewer", "reviewer_name", "total", "scores", "opinion", "created_at"]
    readonly_fields = fields


@admin.register(ProviderApplication)
class ProviderApplicationAdmin(NoAddDeleteAdminMixin, admin.ModelAdmin):
    list_display = ["id", "name", "round", "district", "state", "conditions_display", "submitted_at",
                    "handle_column"]
    list_filter = ["state", "round", "district"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["round"]
    ordering = ["-submitted_at", "-id"]
    inlines = [ApplicationProductInline, AssignmentInline, ReviewInline]
    readonly_fields = ["handle_link", "organisation", "round", "applicant", "name", "credit_code", "established_on",
                       "district", "revenue", "professional_staff", "cases_last_year", "categories", "state",
                       "submitted_at", "pre_review_opinion", "decision_opinion", "confirmed_at", "notice_id",
                       "admitted_at", "checklist_display", "documents_display"]
    fieldsets = [
        ("办理", {"fields": ["handle_link"]}),
        ("申请", {"fields": ["organisation", "round", "applicant", "state", "name", "credit_code", "established_on",
                           "district", "revenue", "professional_staff", "cases_last_year", "categories"]}),
        ("入驻条件核查（第十四条）", {"fields": ["checklist_display"]}),
        ("材料（第十五条）", {"fields": ["documents_display"]}),
        ("审核", {"fields": ["submitted_at", "pre_review_opinion", "decision_opinion", "confirmed_at", "notice_id",
                           "admitted_at"]}),
    ]
    # One place per task: each application is pre-reviewed (each 第十四条 judgement item with its own tick and
    # note), returned, rejected, assigned and confirmed on its portal page (handle_link); the admin lists and
    # filters them, and publishes one merged notice for several.
    actions = ["confirm_and_publish"]

    @admin.display(description="办理页面")
    def handle_link(self, obj):
        return format_html('<a href="{}">在办理页面预审、指派专家、评分、确认或退回</a>',
                           reverse("providers:application-detail", args=[obj.pk]))

    @admin.display(description="办理")
    def handle_column(self, obj):
        return format_html('<a href="{}">办理页面</a>', reverse("providers:application-detail", args=[obj.pk]))

    @admin.display(description="条件核查")
    def conditions_display(self, obj):
        failed = [item.label for item in selectors.application_checklist(obj, documents=[])
                  if not item.passed and item.key not in ("credit", "materials")]
        return "✔ 符合" if not failed else "✘ 不符合：" + "、".join(failed)

    @admin.display(description="核查结果")
    def checklist_display(self, obj):
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} {}：{}（要求：{}）</li>", (
            ("✔" if i.passed else ("✘ 不符合（硬性条件）" if i.hard else "✘ 不符合"), i.label, i.value, i.requirement)
            for i in selectors.application_checklist(obj))))

    @admin.display(description="申请材料")
    def documents_display(self, obj):
        return documents_html(obj)

    @admin.action(description="确认入选并合并公示（市经信局）")
    def confirm_and_publish(self, request, queryset):
        run_together(self, request, lambda: services.applications_confirm(actor=request.user,
                                                                          applications=list(queryset)),
                     "已确认 {count} 家并发布公示")


class ViewOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The admission review's records (assignments, reviews, conflict declarations): written by its workflow."""


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ViewOnlyAdmin):
    list_display = ["application", "expert", "assigned_by", "assigned_at", "reviewed"]
    list_filter = ["application__round"]
    list_select_related = ["application", "expert", "assigned_by"]

    @admin.display(description="已评审", boolean=True)
    def reviewed(self, obj):
        return Review.objects.filter(application_id=obj.application_id, reviewer_id=obj.expert_id).exists()


@admin.register(Review)
class ReviewAdmin(ViewOnlyAdmin):
    list_display = ["application", "reviewer_kind", "reviewer", "reviewer_name", "total", "created_at"]
    list_filter = ["reviewer_kind", "application__round"]
    list_select_related = ["application", "reviewer"]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ViewOnlyAdmin):
    list_display = ["expert", "provider_name", "credit_code", "relation", "declared_at"]
    search_fields = ["provider_name", "credit_code", "expert__username"]
