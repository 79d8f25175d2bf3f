from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    search_fields = ["username", "organisation__name"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("杭企服", {"fields": ("role", "organisation", "phone")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("杭企服", {"fields": ("role", "organisation")}))
    autocomplete_fields = ["organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "district", "created_at"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "credit_code"]
