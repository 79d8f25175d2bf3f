"""Annual evaluations (第十六条), read-only here: they are entered and published on the evaluation pages."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import AnnualEvaluation
from .applications import ViewOnlyAdmin


@admin.register(AnnualEvaluation)
class AnnualEvaluationAdmin(ViewOnlyAdmin):
    list_display = ["profile", "year", "state", "score", "grade", "removal", "published_at", "handle_link"]
    list_filter = ["year", "state", "grade"]
    search_fields = ["profile__organisation__name"]
    list_select_related = ["profile__organisation", "removal"]

    @admin.display(description="办理页面")
    def handle_link(self, obj):
        return format_html('<a href="{}">录入与公布</a>', reverse("providers:evaluation-edit",
                                                               args=[obj.year, obj.profile_id]))
