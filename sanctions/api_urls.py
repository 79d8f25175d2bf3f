from django.urls import path

from . import apis

urlpatterns = [
    path("sanctions/", apis.SanctionListApi.as_view(), name="sanction-list"),
    path("sanctions/<int:pk>/lift/", apis.SanctionLiftApi.as_view(), name="sanction-lift"),
]
