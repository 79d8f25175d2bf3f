from django import forms
from django.contrib import admin, messages
from django.db.models import Sum
from django.urls import reverse
from django.utils.html import format_html

from hangqifu.core.admin import NoAddDeleteAdminMixin
from hangqifu.core.errors import DomainError

from .. import services
from ..models import Product, ProviderProfile, Removal
from ._actions import run_each, run_together, with_opinion
from .applications import documents_html


@admin.register(Product)
class ProductAdmin(NoAddDeleteAdminMixin, admin.ModelAdmin):
    list_display = ["id", "title", "provider", "category", "price", "last_year_average_price", "price_flag", "state",
                    "awaiting_selection", "selection_round", "order_count", "rating_count"]
    list_filter = ["state", "awaiting_selection", "selection_round", "category", "provider__provider_profile__district"]
    search_fields = ["title", "provider__name"]
    list_select_related = ["provider", "selection_round"]
    ordering = ["-id"]
    readonly_fields = ["handle_link", "provider", "category", "title", "description", "deliverables", "duration_days",
                       "price", "last_year_average_price", "price_flag", "documents_display", "state",
                       "review_opinion", "delist_reason", "submitted_at", "listed_at", "delisted_at", "order_count",
                       "rating_count", "satisfied_count", "dissatisfied_count", "satisfaction_rate",
                       "awaiting_selection", "selection_round", "selection_reviewer", "selection_score",
                       "selection_opinion", "selected_at", "notice_id"]
    fields = readonly_fields
    actions = ["approve", "confirm_selection", "return_to_draft", "delist"]

    @admin.display(description="办理页面")
    def handle_link(self, obj):
        return format_html('<a href="{}">打开产品办理页面</a>', reverse("providers:product-detail", args=[obj.pk]))

    @admin.display(description="价格提示")
    def price_flag(self, obj):
        return "⚠ 高于上年度平均合同金额" if obj.price_above_basis else "—"

    @admin.display(description="定价依据证明")
    def documents_display(self, obj):
        return documents_html(obj)

    @admin.action(description="审核通过并上架")
    def approve(self, request, queryset):
        run_each(self, request, queryset, lambda p: services.product_approve(actor=request.user, product=p), "已上架")

    @admin.action(description="确认新增产品入选并合并公示（市经信局）")
    def confirm_selection(self, request, queryset):
        run_together(self, request, lambda: services.products_selection_confirm(actor=request.user,
                                                                                products=list(queryset)),
                     "已确认 {count} 个新增产品并发布公示")

    @admin.action(description="退回修改（填写意见）")
    def return_to_draft(self, request, queryset):
        return with_opinion(self, request, queryset, title="退回修改", required=True, done="已退回",
                            fn=lambda p, o: services.product_return(actor=request.user, product=p, opinion=o))

    @admin.action(description="下架（填写原因）")
    def delist(self, request, queryset):
        return with_opinion(self, request, queryset, title="下架产品", done="已下架",
                            fn=lambda p, o: services.product_delist(actor=request.user, product=p, reason=o))


@admin.register(ProviderProfile)
class ProviderProfileAdmin(NoAddDeleteAdminMixin, admin.ModelAdmin):
    """Admitted providers with their catalogue figures (kept by the order workflow on each product)."""
    list_display = ["organisation", "district", "state", "round", "admitted_at", "orders", "ratings",
                    "dissatisfaction", "removed_at", "propose_removal"]
    list_filter = ["state", "district", "round"]
    search_fields = ["organisation__name", "organisation__credit_code"]
    list_select_related = ["organisation", "round"]
    readonly_fields = ["organisation", "state", "district", "categories", "round", "application", "admitted_at",
                       "removed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            order_total=Sum("organisation__products__order_count"),
            rating_total=Sum("organisation__products__rating_count"),
            dissatisfied_total=Sum("organisation__products__dissatisfied_count"))

    @admin.display(description="订单数", ordering="order_total")
    def orders(self, obj):
        return obj.order_total or 0

    @admin.display(description="评价数", ordering="rating_total")
    def ratings(self, obj):
        return obj.rating_total or 0

    @admin.display(description="不满意率")
    def dissatisfaction(self, obj):
        if not obj.rating_total:
            return "—"
        return f"{(obj.dissatisfied_total or 0) / obj.rating_total:.1%}"

    @admin.display(description="清退")
    def propose_removal(self, obj):
        if obj.state != ProviderProfile.State.ADMITTED:
            return "—"
        return format_html('<a href="{}?profile={}">提议清退</a>', reverse("admin:providers_removal_add"), obj.pk)


class RemovalForm(forms.ModelForm):
    class Meta:
        model = Removal
        fields = ["profile", "reason", "details"]


@admin.register(Removal)
class RemovalAdmin(admin.ModelAdmin):
    list_display = ["id", "profile", "reason", "state", "proposed_by_display", "proposed_at", "removed_at"]
    list_filter = ["state", "reason"]
    search_fields = ["profile__organisation__name"]
    list_select_related = ["profile__organisation", "proposed_by"]
    actions = ["confirm", "announce", "cancel"]
    form = RemovalForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["profile", "reason", "details", "evidence", "state", "proposed_by", "proposed_at", "decided_by",
                "decision_opinion", "notice_id", "removed_at"]

    def get_fields(self, request, obj=None):
        return ["profile", "reason", "details"] if obj is None else self.get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "profile":
            kwargs["queryset"] = ProviderProfile.objects.filter(state=ProviderProfile.State.ADMITTED).select_related(
                "organisation")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="提议人")
    def proposed_by_display(self, obj):
        return obj.proposed_by or "系统（绩效评价）"

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            created = services.removal_propose(actor=request.user, profile=form.cleaned_data["profile"],
                                               reason=form.cleaned_data["reason"], details=form.cleaned_data["details"])
        except DomainError as exc:
            self.message_user(request, exc.message(), messages.ERROR)
            raise
        obj.pk = created.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError:
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.path)

    @admin.action(description="确认清退（市经信局）")
    def confirm(self, request, queryset):
        run_each(self, request, queryset, lambda r: services.removal_confirm(actor=request.user, removal=r), "已确认")

    @admin.action(description="发布清退公告")
    def announce(self, request, queryset):
        run_each(self, request, queryset, lambda r: services.removal_announce(actor=request.user, removal=r),
                 "已发布公告")

    @admin.action(description="撤销（填写意见）")
    def cancel(self, request, queryset):
        return with_opinion(self, request, queryset, title="撤销清退", required=True, done="已撤销",
                            fn=lambda r, o: services.removal_cancel(actor=request.user, removal=r, opinion=o))


