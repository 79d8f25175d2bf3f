from django import forms
from django.contrib import admin

from hangqifu.core.admin import ReadOnlyAdminMixin, ReadOnlyInline, ServiceTransitionAdminMixin
from hangqifu.policy.services import policy_for

from . import services as sanctions
from .forms import LiftForm, SanctionForm
from .models import CreditRecord, Sanction
from .permissions import can_sanction


class SanctionAdminForm(forms.ModelForm):
    reason = SanctionForm.base_fields["reason"]
    ban_years = SanctionForm.base_fields["ban_years"]
    organisation = SanctionForm.base_fields["organisation"]

    class Meta:
        model = Sanction
        fields = ["organisation", "reason", "ban_years"]


class CreditRecordInline(ReadOnlyInline):
    model = CreditRecord
    fields = ["created_at", "content"]
    readonly_fields = fields


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
