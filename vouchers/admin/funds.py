"""Staff screens of the money core: funds and batch usage (the bureau sets a fund here or on the fund page,
opens/closes batches with actions that call the services), and read-only vouchers, orders, deductions and
the ledger. Money rows are never edited here: every movement goes through a service and the ledger."""
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from hangqifu.core.admin import ReadOnlyAdminMixin, ReadOnlyInline
from hangqifu.core.errors import DomainError

from .. import permissions as perms
from ..models import (
    Deduction,
    Fund,
    FundInsufficiencyDeclaration,
    IssuanceBatch,
    LedgerEntry,
    Order,
    ProviderServiceYear,
    Voucher,
    VoucherType,
)
from ..services import funds as fund_services


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["year", "total", "deducted", "available_display", "used_display", "exhausted_at",
                    "exhaustion_cause"]
    fields = ["year", "total"]

    @admin.display(description="可用余额（元）")
    def available_display(self, obj):
        return obj.available

    @admin.display(description="使用进度")
    def used_display(self, obj):
        return f"{obj.used_percent}%"

    def get_readonly_fields(self, request, obj=None):
        return ["year", "total", "deducted", "exhausted_at"] if obj else []

    def get_fields(self, request, obj=None):
        return ["year", "total", "deducted", "exhausted_at"] if obj else ["year", "total"]

    def has_add_permission(self, request):
        return perms.is_bureau(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Creation goes through fund_create (one fund per year, audited)."""
        fund = fund_services.fund_create(actor=request.user, year=obj.year, total=obj.total)
        obj.pk = fund.pk


class VoucherTypeInline(ReadOnlyInline):
    model = VoucherType
    fields = ["category", "face_value", "count", "remaining", "claimed_display"]
    readonly_fields = fields

    @admin.display(description="已领取")
    def claimed_display(self, obj):
        return obj.claimed


@admin.register(IssuanceBatch)
class IssuanceBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "year", "state", "opens_at", "closes_at", "valid_until", "page_link"]
    list_filter = ["year", "state"]
    readonly_fields = ["title", "year", "state", "opens_at", "closes_at", "valid_until", "created_by", "opened_at",
                       "closed_at", "page_link"]
    fields = readonly_fields
    inlines = [VoucherTypeInline]
    actions = ["open_batches", "close_batches"]

    @admin.display(description="批次页面")
    def page_link(self, obj):
        return format_html('<a href="{}">查看（新建批次请在“服务券资金与批次”页面）</a>',
                           reverse("vouchers:batch-detail", args=[obj.pk]))

    def _each(self, request, queryset, service, done):
        for batch in queryset:
            try:
                service(actor=request.user, batch_id=batch.pk)
                self.message_user(request, f"{batch.title}：{done}", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{batch.title}：{exc.detail}", messages.ERROR)

    @admin.action(description="发布所选批次")
    def open_batches(self, request, queryset):
        self._each(request, queryset, fund_services.batch_open, "已发布")

    @admin.action(description="结束所选批次")
    def close_batches(self, request, queryset):
        self._each(request, queryset, fund_services.batch_close, "已结束")


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "organisation", "category", "face_value", "balance", "expires_on", "state", "year"]
    list_filter = ["year", "state", "category"]
    search_fields = ["organisation__name", "organisation__credit_code"]
    list_select_related = ["organisation"]
    readonly_fields = ["organisation", "qualification", "batch", "voucher_type", "year", "category", "face_value",
                       "balance", "expires_on", "state", "claimed_at", "claimed_by", "ended_at", "end_reason"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "buyer", "provider", "product_title", "amount", "state", "signed_at", "page_link"]
    list_filter = ["year", "state", "category"]
    search_fields = ["buyer__name", "provider__name", "product_title"]
    list_select_related = ["buyer", "provider"]
    readonly_fields = ["buyer", "provider", "product", "year", "category", "product_title", "product_price", "amount",
                       "buyer_size_class", "state", "signed_at", "completed_at", "completion_note", "satisfaction",
                       "rating_comment", "rated_at", "deducted_at", "cancelled_at", "cancel_reason"]

    @admin.display(description="订单页面")
    def page_link(self, obj):
        return format_html('<a href="{}">查看</a>', reverse("vouchers:order-detail", args=[obj.pk]))


@admin.register(Deduction)
class DeductionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "organisation", "voucher", "amount", "order_amount", "ratio", "year", "created_at"]
    list_filter = ["year"]
    search_fields = ["organisation__name"]
    list_select_related = ["order", "organisation", "voucher"]
    readonly_fields = ["order", "voucher", "organisation", "qualification", "fund", "year", "amount", "order_amount",
                       "ratio", "declares_no_other_subsidy", "created_by", "created_at"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kind", "year", "amount", "organisation", "voucher", "order", "reference", "business_time"]
    list_filter = ["kind", "year"]
    search_fields = ["organisation__name", "reference", "memo"]
    list_select_related = ["organisation", "voucher", "order"]
    readonly_fields = ["kind", "year", "amount", "organisation", "fund", "voucher", "order", "deduction", "reference",
                       "memo", "actor", "business_time", "recorded_at"]


@admin.register(ProviderServiceYear)
class ProviderServiceYearAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """第十二条 by service year: Σ deductions per provider and year, moved only by the deductions."""
    list_display = ["provider", "year", "deducted", "cap", "remaining"]
    list_filter = ["year"]
    search_fields = ["provider__name", "provider__credit_code"]
    list_select_related = ["provider"]

    @admin.display(description="剩余（元）")
    def remaining(self, obj):
        return obj.remaining


@admin.register(FundInsufficiencyDeclaration)
class FundInsufficiencyDeclarationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """第四条: the two-person declarations (made on the fund's declaration page, read here)."""
    list_display = ["fund", "state", "remainder_at_proposal", "proposed_by", "proposed_at", "decided_by",
                    "decided_at", "voided_count", "voided_amount"]
    list_filter = ["state"]
    list_select_related = ["fund", "proposed_by", "decided_by"]
