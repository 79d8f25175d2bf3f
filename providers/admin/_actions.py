from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from hangqifu.core.errors import DomainError


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 4}), required=False)


def run_each(modeladmin, request, queryset, fn, done: str):
    """Call fn(obj) for each selected object; report successes and each refusal in Chinese."""
    ok = 0
    for obj in queryset:
        try:
            fn(obj)
            ok += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}：{exc.detail}", messages.ERROR)
    if ok:
        modeladmin.message_user(request, f"{done} {ok} 项", messages.SUCCESS)


def run_together(modeladmin, request, fn, done: str):
    """Call fn() once for the whole selection (one public notice for all); report its count or the refusal."""
    try:
        count = len(fn())
    except DomainError as exc:
        modeladmin.message_user(request, exc.message(), messages.ERROR)
    else:
        modeladmin.message_user(request, done.format(count=count), messages.SUCCESS)


def with_opinion(modeladmin, request, queryset, *, title: str, fn, done: str, required=False):
    """An action that first asks for an opinion (intermediate page), then calls fn(obj, opinion)."""
    form = OpinionForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        opinion = form.cleaned_data["opinion"]
        if required and not opinion.strip():
            form.add_error("opinion", "请填写意见")
        else:
            run_each(modeladmin, request, queryset, lambda obj: fn(obj, opinion), done)
            return None
    return TemplateResponse(request, "providers/admin/opinion_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action": request.POST.get("action"), "opts": modeladmin.model._meta,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)})
