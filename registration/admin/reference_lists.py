"""Staff screens of the reference lists the pre-review checks against: the size-classification thresholds, and the
lists imported from Excel/CSV (parks, new-above-scale; the dishonesty lists in credit_lists.py). Every import calls
a service."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import DomainError

from ..models import AboveScaleEntry, CreditListEntry, ParkRecognition, SizeThreshold
from ..services import imports


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


class ImportAdmin(admin.ModelAdmin):
    """View-only list with an “导入” page (add permission = may import)."""
    change_list_template = "registration/qualification/admin_import_changelist.html"
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
        return TemplateResponse(request, "registration/qualification/admin_import.html", context)


@admin.register(ParkRecognition)
class ParkRecognitionAdmin(ImportAdmin):
    list_display = ["park_name", "operator_name", "credit_code", "star_level", "recognised_on", "valid_until"]
    search_fields = ["park_name", "operator_name", "credit_code"]
    import_help = "表头：运营主体统一社会信用代码、运营主体名称、园区名称、星级、认定日期、有效期至。"

    def run_import(self, request, form):
        return imports.import_park_recognitions(actor=request.user, uploaded_file=form.cleaned_data["file"])


@admin.register(AboveScaleEntry)
class AboveScaleEntryAdmin(ImportAdmin):
    list_display = ["year", "credit_code", "name"]
    list_filter = ["year"]
    search_fields = ["credit_code", "name"]
    import_help = "表头：统一社会信用代码、企业名称、升规年度（无此列时填写下方年度）。"

    def run_import(self, request, form):
        return imports.import_above_scale(actor=request.user, uploaded_file=form.cleaned_data["file"],
                                          year=form.cleaned_data["year"])
