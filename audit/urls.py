from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("sanctions/", views.sanction_list, name="sanction-list"),
    path("sanctions/<int:pk>/lift/", views.sanction_lift, name="sanction-lift"),
    path("sanctions/mine/", views.my_sanctions, name="my-sanctions"),
    path("timeline/<slug:object_type>/<str:object_id>/", views.timeline, name="timeline"),
]
