"""Pages of registration and qualification. They keep their /vouchers/ paths (included under that prefix in
hangqifu/urls.py), where the money core's pages live too."""
from django.urls import path

from . import views

app_name = "registration"

urlpatterns = [
    path("registration/", views.my_registrations, name="my-registrations"),
    path("registration/new/", views.wizard_start, name="registration-start"),
    path("registration/<int:pk>/", views.registration_detail, name="registration-detail"),
    path("registration/<int:pk>/step/<int:step>/", views.wizard_step, name="registration-step"),
    path("registration/<int:pk>/documents/<int:document_id>/delete/", views.document_remove,
         name="registration-document-remove"),
    path("registration/<int:pk>/submit/", views.submit, name="registration-submit"),
    path("registration/<int:pk>/commitment-letter/", views.commitment_letter,
         name="registration-commitment-letter"),
    path("qualification/", views.my_qualification, name="my-qualification"),
    path("change-reports/", views.change_reports, name="change-report-list"),
]
