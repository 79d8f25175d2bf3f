"""Staff screens: service-center pre-review and bureau approval of claims (buttons calling the services),
read-only settlement batches, disbursement orders and district payments."""
from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from hangqifu.audit.labels import action_label, state_label
from hangqifu.core.admin import DecisionPanelAdminMixin, NoAddDeleteAdminMixin, ReadOnlyAdminMixin, ReadOnlyInline
from hangqifu.core.errors import DomainError, InvalidInput
from hangqifu.core.money import yuan
from hangqifu.documents.selectors import documents_for

from . import permissions as perms
from .models import ClaimLine, DisbursementOrder, DistrictPayment, ProviderYearCap, RedemptionClaim, SettlementBatch
from .selectors import claim_timeline
from .services import redemption_claims as claim_services
from .services.bulk import claims_bulk_approve, claims_bulk_pre_review
from .services.cap import cap_status

State = RedemptionClaim.State


class ClaimLineInline(ReadOnlyInline):
    model = ClaimLine
    fields = ["order", "order_amount", "invoice_number", "invoice_amount", "amount", "verified_amount", "live",
              "redeemed_order"]
    readonly_fields = fields

    @admin.display(description="订单实际金额（元）")
    def order_amount(self, obj):
        return obj.order.amount


@admin.register(RedemptionClaim)
class RedemptionClaimAdmin(NoAddDeleteAdminMixin, DecisionPanelAdminMixin, admin.ModelAdmin):
    list_display = ["number", "provider", "state_badge", "claimed_amount", "verified_amount", "submitted_at",
                    "approved_at", "batch", "under_investigation"]
    list_filter = ["state", "under_investigation", "provider__district", "settlement_district"]
    search_fields = ["provider__name", "provider__credit_code", "lines__invoice_number"]
    list_select_related = ["provider", "batch"]
    ordering = ["-id"]
    inlines = [ClaimLineInline]
    change_form_template = "redemption/admin_claim_change_form.html"
    fieldsets = [
        ("申请", {"fields": ["provider", "state", "claimed_amount", "verified_amount", "is_public_institution",
                           "created_at", "submitted_at", "cap_display"]}),
        ("材料", {"fields": ["documents_display"]}),
        ("审核", {"fields": ["pre_review_opinion", "pre_reviewed_by", "pre_reviewed_at", "decision_opinion",
                           "approved_by", "approved_at", "cap_year"]}),
        ("结算", {"fields": ["batch", "settlement_district", "under_investigation", "payment", "paid_at",
                           "timeline_display"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description="编号")
    def number(self, obj):
        return obj.number

    @admin.display(description="状态", ordering="state")
    def state_badge(self, obj):
        css = {State.PAID: "state-ok", State.REJECTED: "state-bad", State.RETURNED: "state-warn"}.get(obj.state, "")
        return format_html('<span class="state {}">{}</span>', css, obj.get_state_display())

    @admin.display(description="服务机构年度兑付额度")
    def cap_display(self, obj):
        status = cap_status(provider=obj.provider)
        return f"{status.year} 年上限 {status.cap} 元，已审批 {status.used} 元，剩余 {status.remaining} 元"

    @admin.display(description="上传材料（点击下载）")
    def documents_display(self, obj):
        docs = documents_for(obj)
        return format_html("<ul>{}</ul>", format_html_join(
            "", '<li>{}：<a href="{}">{}</a></li>',
            ((claim_services.document_label(obj, d.kind), d.get_absolute_url(), d.original_name) for d in docs))) \
            if docs else "—"

    @admin.display(description="办理记录")
    def timeline_display(self, obj):
        return format_html("<ol>{}</ol>", format_html_join(
            "", "<li>{} {} {}{}</li>",
            ((timezone.localtime(e.business_time).strftime("%Y-%m-%d %H:%M"), e.actor_username or "系统",
              action_label(e.action), f" → {state_label(e.object_type, e.to_state)}" if e.to_state else "")
             for e in claim_timeline(obj)))) or "—"

    actions = ["bulk_pre_review", "bulk_approve"]

    def _bulk_report(self, request, service, queryset, verb: str):
        try:
            result = service(actor=request.user, queryset=queryset)
        except DomainError as exc:
            self.message_user(request, exc.message(), messages.ERROR)
            return
        self.message_user(request, result.summary(verb), messages.SUCCESS if result.done else messages.WARNING)
        for pk, reason in list(result.skipped.items())[:20]:
            self.message_user(request, f"兑付申请 {pk} 未{verb}：{reason}", messages.WARNING)

    @admin.action(description="批量形式预审通过所选“已提交”申请（可“选择全部”覆盖所有筛选结果）")
    def bulk_pre_review(self, request, queryset):
        self._bulk_report(request, claims_bulk_pre_review, queryset, "形式预审通过")

    @admin.action(description="批量审批通过所选“已预审”申请（可“选择全部”覆盖所有筛选结果）")
    def bulk_approve(self, request, queryset):
        self._bulk_report(request, claims_bulk_approve, queryset, "审批通过")

    def decision_context(self, request, obj):
        user = request.user
        can = {
            "can_pre_review": perms.is_service_center(user) and obj.state == State.SUBMITTED,
            "can_approve": perms.is_bureau(user) and obj.state == State.PRE_REVIEWED,
            "can_return": perms.reviewer(obj, user) and obj.state in (State.SUBMITTED, State.PRE_REVIEWED),
            "can_reject": perms.reviewer(obj, user) and obj.state in (State.SUBMITTED, State.PRE_REVIEWED,
                                                                      State.RETURNED),
        }
        return {
            "claim": obj, "lines": list(obj.lines.select_related("order")), **can, "decision_panel": any(can.values()),
            # Every field is read-only: the decisions are the review panel's buttons, not a save.
            "show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
        }

    def decide(self, request, claim):
        action, opinion = request.POST.get("action"), request.POST.get("opinion", "")
        if action == "pre_review":
            verified = {}
            for line in claim.lines.all():
                raw = request.POST.get(f"verified_{line.order_id}", "").strip()
                if raw:
                    try:
                        verified[line.order_id] = yuan(raw)
                    except ValueError:
                        raise InvalidInput(f"订单 {line.order.number} 的核定金额格式不正确") from None
            claim_services.claim_pre_review(claim=claim, actor=request.user, passed=True, opinion=opinion,
                                            verified=verified)
            return "形式预审已通过，已核定兑付金额"
        if action == "approve":
            claim_services.claim_approve(claim=claim, actor=request.user, opinion=opinion)
            return "兑付申请已审批通过"
        if action == "return":
            claim_services.claim_return(claim=claim, actor=request.user, opinion=opinion)
            return "已退回服务机构补正"
        if action == "reject":
            claim_services.claim_reject(claim=claim, actor=request.user, opinion=opinion)
            return "已作出不予兑付决定"
        raise PermissionDenied

@admin.register(SettlementBatch)
class SettlementBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "state", "period_start", "period_end", "payment_expected_on", "closed_at",
                    "bureau_signed_by", "finance_signed_by", "completed_at"]
    list_filter = ["state", "year"]

    @admin.display(description="批次")
    def title(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.title)


@admin.register(DisbursementOrder)
class DisbursementOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "batch", "district", "total", "provider_count", "claim_count", "issued_at"]
    list_filter = ["district", "year"]

    @admin.display(description="文号")
    def number(self, obj):
        return obj.number


@admin.register(DistrictPayment)
class DistrictPaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["batch", "district", "provider", "amount", "state", "reference", "paid_at", "failure_count"]
    list_filter = ["state", "district"]
    list_select_related = ["batch", "provider"]
    search_fields = ["provider__name", "reference"]


@admin.register(ProviderYearCap)
class ProviderYearCapAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "year", "approved", "cap", "remaining"]
    list_filter = ["year"]
    search_fields = ["provider__name"]

    @admin.display(description="剩余（元）")
    def remaining(self, obj):
        return max(obj.cap - obj.approved, Decimal("0.00"))
