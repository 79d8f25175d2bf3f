from django.urls import path

from . import views

app_name = "redemption"
urlpatterns = [
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/new/", views.claim_new, name="claim-new"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/documents/", views.claim_document_upload, name="claim-document-upload"),
    path("claims/<int:pk>/documents/<int:document_id>/delete/", views.claim_document_delete,
         name="claim-document-delete"),
    path("claims/<int:pk>/<slug:action>/", views.claim_act, name="claim-act"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch-progress"),
    path("batches/<int:pk>/<slug:action>/", views.batch_act, name="batch-act"),
    path("schedule/", views.schedule, name="schedule"),
    path("disbursements/<int:pk>/pdf/", views.disbursement_pdf_view, name="disbursement-pdf"),
    path("disbursements/<int:pk>/xlsx/", views.disbursement_xlsx_view, name="disbursement-xlsx"),
    path("payments/", views.district_payments, name="district-payments"),
    path("payments/bulk-confirm/", views.payments_bulk_confirm, name="payments-bulk-confirm"),
    path("payments/<int:pk>/<slug:action>/", views.payment_act, name="payment-act"),
]
