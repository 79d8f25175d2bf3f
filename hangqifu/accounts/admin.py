from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse

from hangqifu.audit.services import audit_record
from hangqifu.core.admin import ReadOnlyAdminMixin
from hangqifu.core.errors import DomainError

from . import second_factor
from .models import ApiToken, CreditCodeClaim, Organisation, User
from .tokens import tokens_revoke_all


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    search_fields = ["username", "organisation__name"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("杭企服", {"fields": ("role", "organisation", "phone")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("杭企服", {"fields": ("role", "organisation")}))
    autocomplete_fields = ["organisation"]
    actions = ["reset_second_factor"]

    @admin.action(description="重置动态口令（手机遗失或更换；须先核实本人身份）", permissions=["reset_second_factor"])
    def reset_second_factor(self, request, queryset):
        """Asks for the reason (how the person was identified) on a confirmation page, then resets each."""
        reason = (request.POST.get("reset_reason") or "").strip()
        if "apply" not in request.POST or not reason:
            return TemplateResponse(request, "admin/accounts/reset_second_factor.html", {
                **self.admin_site.each_context(request), "users": queryset, "title": "重置动态口令",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "missing_reason": "apply" in request.POST})
        done = []
        for user in queryset:
            try:
                second_factor.second_factor_reset(actor=request.user, user=user, reason=reason)
            except DomainError as exc:
                self.message_user(request, f"{user.username}：{exc.detail}", messages.ERROR)
            else:
                done.append(user.username)
        if done:
            self.message_user(request, f"已重置 {'、'.join(done)} 的动态口令；其下次登录时重新绑定。", messages.SUCCESS)
        return None

    def has_reset_second_factor_permission(self, request):
        return bool(request.user.has_role(*second_factor.RESETTER_ROLES)
                    or (request.user.is_superuser and request.user.is_verified()))

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            revoked = tokens_revoke_all(user=user, reason="password_changed")
            audit_record(actor=request.user, action="security.password_changed", obj=user,
                         payload={"by_admin": True, "tokens_revoked": revoked})
        return response


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "district", "created_at"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "credit_code"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["token_key", "user", "label", "created", "expiry", "last_used_at", "second_factor", "revoked_at",
                    "revoked_reason"]
    list_filter = ["second_factor", "revoked_reason"]
    list_select_related = ["user"]
    search_fields = ["token_key", "user__username"]
    exclude = ["digest", "password_stamp"]


@admin.register(CreditCodeClaim)
class CreditCodeClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Decided on the claim page (/accounts/credit-code-claims/), where the licence is shown."""
    list_display = ["pk", "organisation_name", "credit_code", "holder", "state", "filed_at", "decided_by"]
    list_filter = ["state"]
    search_fields = ["credit_code", "organisation_name"]
    exclude = ["password_hash"]
