from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from hangqifu.audit.services import audit_record

from . import services
from .models import PolicyYear


@admin.register(PolicyYear)
class PolicyYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "quota_default", "quota_tier2", "quota_tier3", "deduction_ratio", "provider_annual_cap",
                    "notice_working_days"]
    ordering = ["year"]

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="policy.create", obj=obj)
            return
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
        services.policy_update(actor=request.user, year=obj.year, changes=changes)
