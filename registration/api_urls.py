"""API of registration, qualification, change reports and the dishonesty lists (API.md)."""
from django.urls import path

from .apis import credit_lists as credit_list_apis
from .apis import registration as registration_apis

urlpatterns = [
    path("registrations/", registration_apis.RegistrationListApi.as_view(), name="registration-list"),
    path("registrations/rereview-bulk-approve/", registration_apis.RereviewBulkApproveApi.as_view(),
         name="registration-rereview-bulk-approve"),
    path("registrations/<int:pk>/", registration_apis.RegistrationDetailApi.as_view(), name="registration-detail"),
    path("registrations/<int:pk>/documents/", registration_apis.RegistrationDocumentsApi.as_view(),
         name="registration-documents"),
    path("registrations/<int:pk>/commitment-letter/", registration_apis.RegistrationCommitmentLetterApi.as_view(),
         name="registration-commitment-letter"),
    path("registrations/<int:pk>/submit/", registration_apis.RegistrationSubmitApi.as_view(),
         name="registration-submit"),
    path("registrations/<int:pk>/pre-review/", registration_apis.RegistrationPreReviewApi.as_view(),
         name="registration-pre-review"),
    path("registrations/<int:pk>/approve/", registration_apis.RegistrationApproveApi.as_view(),
         name="registration-approve"),
    path("registrations/<int:pk>/return/", registration_apis.RegistrationReturnApi.as_view(),
         name="registration-return"),
    path("registrations/<int:pk>/reject/", registration_apis.RegistrationRejectApi.as_view(),
         name="registration-reject"),
    path("qualifications/", registration_apis.QualificationListApi.as_view(), name="qualification-list"),
    path("qualifications/<int:pk>/", registration_apis.QualificationDetailApi.as_view(), name="qualification-detail"),
    path("qualifications/<int:pk>/suspend/", registration_apis.QualificationSuspendApi.as_view(),
         name="qualification-suspend"),
    path("qualifications/<int:pk>/reinstate/", registration_apis.QualificationReinstateApi.as_view(),
         name="qualification-reinstate"),
    path("qualifications/<int:pk>/revoke/", registration_apis.QualificationRevokeApi.as_view(),
         name="qualification-revoke"),
    path("change-reports/", registration_apis.ChangeReportListApi.as_view(), name="change-report-list"),
    path("change-reports/<int:pk>/", registration_apis.ChangeReportDetailApi.as_view(), name="change-report-detail"),
    path("change-reports/<int:pk>/review/", registration_apis.ChangeReportReviewApi.as_view(),
         name="change-report-review"),
    path("credit-list-entries/", credit_list_apis.CreditListEntryListApi.as_view(), name="credit-list-entry-list"),
    path("credit-list-entries/<int:pk>/delist/", credit_list_apis.CreditDelistApi.as_view(),
         name="credit-list-entry-delist"),
]
