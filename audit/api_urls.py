from django.urls import path

from . import apis

urlpatterns = [
    path("sanctions/", apis.SanctionListApi.as_view(), name="sanction-list"),
    path("sanctions/<int:pk>/lift/", apis.SanctionLiftApi.as_view(), name="sanction-lift"),
    path("complaints/", apis.ComplaintListApi.as_view(), name="complaint-list"),
    path("complaints/<int:pk>/", apis.ComplaintDetailApi.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/<slug:action>/", apis.ComplaintTransitionApi.as_view(), name="complaint-transition"),
    path("audit-events/", apis.AuditEventListApi.as_view(), name="audit-event-list"),
]
