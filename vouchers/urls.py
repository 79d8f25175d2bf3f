from django.urls import path

from .views import registration as registration_views

app_name = "vouchers"

# Registration and qualification (issue 4). Funds, batches, vouchers and orders add their lines below.
urlpatterns = [
    path("registration/", registration_views.my_registrations, name="my-registrations"),
    path("registration/new/", registration_views.wizard_start, name="registration-start"),
    path("registration/<int:pk>/", registration_views.registration_detail, name="registration-detail"),
    path("registration/<int:pk>/step/<int:step>/", registration_views.wizard_step, name="registration-step"),
    path("registration/<int:pk>/documents/<int:document_id>/delete/", registration_views.document_remove,
         name="registration-document-remove"),
    path("registration/<int:pk>/submit/", registration_views.submit, name="registration-submit"),
    path("registration/<int:pk>/commitment-letter/", registration_views.commitment_letter,
         name="registration-commitment-letter"),
    path("qualification/", registration_views.my_qualification, name="my-qualification"),
    path("change-reports/", registration_views.change_reports, name="change-report-list"),
]
