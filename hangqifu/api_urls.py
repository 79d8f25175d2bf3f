"""/api/v1/: each app contributes its endpoints in `<app>/api_urls.py`."""
from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission

from hangqifu.accounts import apis as account_apis
from hangqifu.portal import apis as portal_apis


class DocsPermission(BasePermission):
    """The schema and its docs are open while developing (make run) and need a login in production
    (API_DOCS_PUBLIC = False)."""

    def has_permission(self, request, view):
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


_DOCS_PERMISSIONS = [DocsPermission]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=_DOCS_PERMISSIONS), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=_DOCS_PERMISSIONS),
         name="docs"),
    path("auth/token/", account_apis.TokenApi.as_view(), name="auth-token"),
    path("auth/signup/", account_apis.SignupApi.as_view(), name="auth-signup"),
    path("auth/logout/", account_apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/tokens/", account_apis.TokenListApi.as_view(), name="auth-tokens"),
    path("auth/tokens/<str:token_id>/", account_apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("me/", account_apis.MeApi.as_view(), name="me"),
    path("test-clock/", portal_apis.TestClockApi.as_view(), name="test-clock"),
    path("test-clock/run-due-tasks/", portal_apis.RunDueTasksApi.as_view(), name="test-clock-run-due-tasks"),
    path("", include("hangqifu.policy.api_urls")),
    path("", include("hangqifu.notifications.api_urls")),
    path("", include("hangqifu.workdays.api_urls")),
    path("", include("hangqifu.documents.api_urls")),
    path("", include("hangqifu.notices.api_urls")),
    path("", include("hangqifu.audit_browser.api_urls")),
    path("", include("sanctions.api_urls")),
    path("", include("supervision.api_urls")),
    path("", include("registration.api_urls")),
    path("", include("vouchers.api_urls")),
    path("", include("providers.api_urls")),
    path("", include("redemption.api_urls")),
]
