from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from hangqifu.core.admin import NoAddDeleteAdminMixin, ReadOnlyInline
from hangqifu.core.errors import DomainError
from hangqifu.workflows.transitions import available_actions

from . import services
from .models import NoticeItem, Objection, PublicNotice


class NoticeItemInline(ReadOnlyInline):
    model = NoticeItem
    fields = ["label", "content_type", "object_id", "state", "decided_at"]
    readonly_fields = fields


class ObjectionInline(ReadOnlyInline):
    model = Objection
    fields = ["item", "user", "content", "state", "created_at", "opinion", "resolved_by"]
    readonly_fields = fields
    show_change_link = True


@admin.register(PublicNotice)
class PublicNoticeAdmin(NoAddDeleteAdminMixin, admin.ModelAdmin):
    """Notices are published by the workflows (admission, redemption) through notices.services."""

    list_display = ["title", "kind", "state", "published_at", "closes_at", "window_provisional"]
    list_filter = ["state", "kind"]
    search_fields = ["title"]
    date_hierarchy = "published_at"
    fields = ["kind", "title", "body", "state", "working_days", "published_at", "closes_at", "window_provisional",
              "closed_at", "created_by"]
    readonly_fields = fields
    inlines = [NoticeItemInline, ObjectionInline]


class ObjectionResolveForm(forms.ModelForm):
    decision = forms.TypedChoiceField(label="处理结论", choices=[("", "请选择"), ("upheld", "异议成立（撤回公示对象）"),
                                                              ("dismissed", "异议不成立（公示对象通过）")],
                                      error_messages={"required": "请选择处理结论"})
    resolution = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 4}),
                                 error_messages={"required": "请填写处理意见"})

    class Meta:
        model = Objection
        fields = []


@admin.register(Objection)
class ObjectionAdmin(NoAddDeleteAdminMixin, admin.ModelAdmin):
    list_display = ["id", "notice", "item", "user", "created_at", "state", "resolved_by"]
    list_filter = ["state"]
    list_select_related = ["notice", "item", "user", "resolved_by"]
    search_fields = ["content", "notice__title", "user__username"]
    readonly = ["notice", "item", "user", "content", "created_at", "state", "opinion", "resolved_by", "resolved_at"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or "resolve" in available_actions(obj, request.user))

    def get_readonly_fields(self, request, obj=None):
        return self.readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            kwargs["form"] = ObjectionResolveForm
            kwargs["fields"] = ["decision", "resolution"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(self.readonly)
        if obj is not None and self.has_change_permission(request, obj):
            fields += ["decision", "resolution"]
        return fields

    def save_form(self, request, form, change):
        # Validate through the service before the admin reports success.
        try:
            return services.objection_resolve(objection=form.instance, actor=request.user,
                                              upheld=form.cleaned_data["decision"] == "upheld",
                                              opinion=form.cleaned_data["resolution"])
        except DomainError as exc:
            raise ValidationError(exc.detail) from exc

    def save_model(self, request, obj, form, change):
        pass  # the service saved it in save_form

    def save_related(self, request, form, formsets, change):
        pass  # nothing related is edited here

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, "；".join(exc.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.path)
