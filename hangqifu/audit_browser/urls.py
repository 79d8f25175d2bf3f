from django.urls import path

from . import views

# under /audit/, namespace "audit" (hangqifu/urls.py)
urlpatterns = [
    path("events/", views.event_list, name="event-list"),
    path("events/verify/", views.chain_verify, name="chain-verify"),
    path("timeline/<slug:object_type>/<str:object_id>/", views.timeline, name="timeline"),
]
