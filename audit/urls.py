from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("sanctions/", views.sanction_list, name="sanction-list"),
    path("sanctions/<int:pk>/lift/", views.sanction_lift, name="sanction-lift"),
    path("sanctions/mine/", views.my_sanctions, name="my-sanctions"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/filed/", views.complaint_filed, name="complaint-filed"),
    path("complaints/track/", views.complaint_track, name="complaint-track"),
    path("complaints/mine/", views.complaint_mine, name="complaint-mine"),
    path("complaints/mine/<int:pk>/", views.complaint_mine_detail, name="complaint-mine-detail"),
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_act, name="complaint-act"),
    path("events/", views.event_list, name="event-list"),
    path("events/verify/", views.chain_verify, name="chain-verify"),
    path("timeline/<slug:object_type>/<str:object_id>/", views.timeline, name="timeline"),
]
