"""第八条: other programmes' award lists in the admin, imported with the reference lists' import page."""
from django.contrib import admin

from registration.admin.reference_lists import ImportAdmin

from ..models import OtherSubsidyAward
from ..services.subsidy_imports import import_other_subsidies


@admin.register(OtherSubsidyAward)
class OtherSubsidyAwardAdmin(ImportAdmin):
    """第八条: other programmes' award lists; a deduction for the same service is refused, a near one flagged."""
    list_display = ["programme", "credit_code", "name", "project", "provider_name", "amount", "year", "source",
                    "imported_at"]
    list_filter = ["programme", "year"]
    search_fields = ["credit_code", "name", "project", "provider_name"]
    import_help = ("表头：政策类别（创新券、数改券、对标提升或其他）、统一社会信用代码、企业名称、项目名称、服务机构名称、"
                   "服务机构统一社会信用代码（可空）、支持金额、年度。同一企业同一年度项目名称与服务产品相同（或同一服务机构、"
                   "同一金额）的订单不能再抵扣；相近的列入疑点线索。")

    def run_import(self, request, form):
        return import_other_subsidies(actor=request.user, uploaded_file=form.cleaned_data["file"],
                                      source=form.cleaned_data["source"])
