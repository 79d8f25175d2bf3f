"""API of registration, qualification, change reports and the dishonesty lists (API.md)."""
from django.urls import path

from .apis import credit_lists as credit_list_apis
from .apis import applications as application_apis
from .apis import qualifications as qualification_apis

urlpatterns = [
    path("registrations/", application_apis.RegistrationListApi.as_view(), name="registration-list"),
    path("registrations/rereview-bulk-approve/", application_apis.RereviewBulkApproveApi.as_view(),
         name="registration-rereview-bulk-approve"),
    path("registrations/<int:pk>/", application_apis.RegistrationDetailApi.as_view(), name="registration-detail"),
    path("registrations/<int:pk>/documents/", application_apis.RegistrationDocumentsApi.as_view(),
         name="registration-documents"),
    path("registrations/<int:pk>/commitment-letter/", application_apis.RegistrationCommitmentLetterApi.as_view(),
         name="registration-commitment-letter"),
    path("registrations/<int:pk>/submit/", application_apis.RegistrationSubmitApi.as_view(),
         name="registration-submit"),
    path("registrations/<int:pk>/pre-review/", application_apis.RegistrationPreReviewApi.as_view(),
         name="registration-pre-review"),
    path("registrations/<int:pk>/approve/", application_apis.RegistrationApproveApi.as_view(),
         name="registration-approve"),
    path("registrations/<int:pk>/return/", application_apis.RegistrationReturnApi.as_view(),
         name="registration-return"),
    path("registrations/<int:pk>/reject/", application_apis.RegistrationRejectApi.as_view(),
         name="registration-reject"),
    path("qualifications/", qualification_apis.QualificationListApi.as_view(), name="qualification-list"),
    path("qualifications/<int:pk>/", qualification_apis.QualificationDetailApi.as_view(), name="qualification-detail"),
    path("qualifications/<int:pk>/suspend/", qualification_apis.QualificationSuspendApi.as_view(),
         name="qualification-suspend"),
    path("qualifications/<int:pk>/reinstate/", qualification_apis.QualificationReinstateApi.as_view(),
         name="qualification-reinstate"),
    path("qualifications/<int:pk>/revoke/", qualification_apis.QualificationRevokeApi.as_view(),
         name="qualification-revoke"),
    path("change-reports/", qualification_apis.ChangeReportListApi.as_view(), name="change-report-list"),
    path("change-reports/<int:pk>/", qualification_apis.ChangeReportDetailApi.as_view(), name="change-report-detail"),
    path("change-reports/<int:pk>/review/", qualification_apis.ChangeReportReviewApi.as_view(),
         name="change-report-review"),
    path("credit-list-entries/", credit_list_apis.CreditListEntryListApi.as_view(), name="credit-list-entry-list"),
    path("credit-list-entries/<int:pk>/delist/", credit_list_apis.CreditDelistApi.as_view(),
         name="credit-list-entry-delist"),
]
