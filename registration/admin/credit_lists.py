"""The dishonesty lists in the admin (第六条): import (suspends what the lists hit) and 信用修复 — the
documented delisting, the only way a list hit is lifted."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from hangqifu.core import clock
from hangqifu.core.errors import DomainError
from hangqifu.core.outcome import add_domain_errors
from hangqifu.documents.serializers import ACCEPT

from .. import permissions
from ..forms import DateInput
from ..models import CreditDelisting, CreditListEntry
from ..selectors import eligibility
from ..services import credit_lists, imports
from .applications import documents_html
from .reference_lists import ImportAdmin


class DelistingForm(forms.Form):
    removed_on = forms.DateField(label="移出日期", widget=DateInput(),
                                 help_text="信用修复决定或名单移出公告的日期，不晚于今天")
    reason = forms.CharField(label="信用修复说明", widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
                             help_text="如：法院出具结案证明、信用中国移出公告编号")
    evidence = forms.FileField(label="信用修复证明材料", allow_empty_file=True, help_text="PDF、JPG 或 PNG",
                               widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


@admin.register(CreditListEntry)
class CreditListEntryAdmin(ImportAdmin):
    list_display = ["list_kind", "credit_code", "name", "listed_on", "removed_on", "source", "delisting_link"]
    list_filter = ["list_kind"]
    search_fields = ["credit_code", "name"]
    import_help = ("表头：统一社会信用代码、名称、列入日期、移出日期（可空）。请选择名单类型。导入后，名单命中的年度资格"
                   "和服务机构入驻即暂停（服务券冻结），只有登记信用修复才能恢复。")

    def run_import(self, request, form):
        return imports.import_credit_list(actor=request.user, list_kind=form.cleaned_data["list_kind"],
                                          uploaded_file=form.cleaned_data["file"], source=form.cleaned_data["source"])

    @admin.display(description="信用修复")
    def delisting_link(self, obj):
        if obj.removed_on and obj.removed_on <= clock.today():
            return f"已于 {obj.removed_on} 移出"
        url = reverse("admin:registration_creditlistentry_delist", args=[obj.pk])
        return format_html('<a href="{}" data-testid="delist-{}">登记信用修复</a>', url, obj.pk)

    def get_urls(self):
        return [path("<int:pk>/delist/", self.admin_site.admin_view(self.delist_view),
                     name="registration_creditlistentry_delist")] + super().get_urls()

    def delist_view(self, request, pk: int):
        if not permissions.is_reviewer(request.user):
            raise PermissionDenied
        entry = get_object_or_404(CreditListEntry, pk=pk)
        form = DelistingForm(request.POST or None, request.FILES or None, initial={"removed_on": clock.today()})
        if request.method == "POST" and form.is_valid():
            try:
                credit_lists.credit_delisting_record(
                    actor=request.user, entry_id=entry.pk, reason=form.cleaned_data["reason"],
                    removed_on=form.cleaned_data["removed_on"], evidence=form.cleaned_data["evidence"])
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                still = eligibility.is_listed(entry.credit_code, clock.today())
                self.message_user(request, f"已登记信用修复：{entry.name or entry.credit_code}"
                                  + ("（仍在其他名单中，资格暂不恢复）" if still else "，因名单暂停的资格与入驻已恢复"),
                                  messages.WARNING if still else messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:registration_creditlistentry_changelist"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "entry": entry,
                   "title": f"登记信用修复：{entry.name or entry.credit_code}"}
        return TemplateResponse(request, "registration/qualification/admin_delist.html", context)


@admin.register(CreditDelisting)
class CreditDelistingAdmin(admin.ModelAdmin):
    list_display = ["entry", "removed_on", "reason", "recorded_by", "recorded_at"]
    search_fields = ["entry__credit_code", "entry__name"]
    list_select_related = ["entry", "recorded_by"]
    readonly_fields = ["entry", "removed_on", "reason", "recorded_by", "recorded_at", "evidence"]
    fields = readonly_fields

    @admin.display(description="证明材料")
    def evidence(self, obj):
        return documents_html(obj)

    def has_add_permission(self, request):
        return False

    has_change_permission = has_delete_permission = ImportAdmin.has_change_permission
