from django.urls import path

from . import views

# under /audit/, namespace "audit" (hangqifu/urls.py)
urlpatterns = [
    path("sanctions/", views.sanction_list, name="sanction-list"),
    path("sanctions/<int:pk>/lift/", views.sanction_lift, name="sanction-lift"),
    path("sanctions/mine/", views.my_sanctions, name="my-sanctions"),
]
