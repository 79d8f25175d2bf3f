"""The admin site of the portal: only for staff signed in with the second factor (django-otp's OTPAdminSite),
its login is the portal's own (password, then the code), and every save or deletion made in it — of an
organisation, a user, a role, a policy parameter or anything else — is written to the audit chain with the
values that changed (Django's own admin log is an editable table and names only the fields)."""
from django.db.models import Model
from django.db.models.query import QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite

from hangqifu.audit.services import audit_record

from .security_views import LogoutView

_SECRET_FIELDS = frozenset({"password", "password1", "password2", "key", "token", "digest"})


def _plain(value):
    if isinstance(value, Model):
        return f"{value} (#{value.pk})"
    if isinstance(value, (QuerySet, list, tuple, set)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def changed_values(form) -> dict:
    """{field: [before, after]} of a bound admin form (secrets named, never shown)."""
    changes = {}
    for name in getattr(form, "changed_data", []):
        if name in _SECRET_FIELDS:
            changes[name] = ["***", "***"]
            continue
        before = form.initial.get(name)
        field = form.fields.get(name)
        if field is not None and hasattr(field, "queryset") and before is not None:
            ids = before if isinstance(before, (list, tuple)) else [before]
            ids = [getattr(item, "pk", item) for item in ids]
            found = list(field.queryset.model._default_manager.filter(pk__in=ids))
            before = found if isinstance(before, (list, tuple)) else (found[0] if found else before)
        changes[name] = [_plain(before), _plain(form.cleaned_data.get(name))]
    return changes


class AuditedAdminMixin:
    """Mixed into every ModelAdmin registered on the portal's admin site."""

    def save_model(self, request, obj, form, change):
        changes = changed_values(form) if change else {}
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="admin.changed" if change else "admin.added", obj=obj,
                     payload={"model": obj._meta.label_lower, "object": str(obj)[:200],
                              "changes": changes if change else {name: [None, _plain(form.cleaned_data.get(name))]
                                                                 for name in form.changed_data
                                                                 if name not in _SECRET_FIELDS}})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        m2m = {name: [None, _plain(form.cleaned_data.get(name))] for name in form.changed_data
               if name in {f.name for f in form.instance._meta.many_to_many}}
        if m2m:
            audit_record(actor=request.user, action="admin.changed", obj=form.instance,
                         payload={"model": form.instance._meta.label_lower, "changes": m2m})

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.deleted", obj=obj,
                     payload={"model": obj._meta.label_lower, "object": str(obj)[:200]})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.deleted", obj=obj,
                         payload={"model": obj._meta.label_lower, "object": str(obj)[:200]})
        super().delete_queryset(request, queryset)


class PortalAdminSite(OTPAdminSite):
    name = "admin"

    def __init__(self, name="admin"):
        super().__init__(name)

    def register(self, model_or_iterable, admin_class=None, **options):
        from django.contrib.admin import ModelAdmin

        base = admin_class or ModelAdmin
        if not issubclass(base, AuditedAdminMixin):
            base = type(base.__name__, (AuditedAdminMixin, base), {"__module__": base.__module__})
        return super().register(model_or_iterable, base, **options)

    def logout(self, request, extra_context=None):
        """The portal's logout (audited), not the admin's own."""
        return LogoutView.as_view()(request)

    def login(self, request, extra_context=None):
        """One login for the whole portal: password, then the second factor (accounts.views)."""
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
