from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from hangqifu.accounts import credit_claim_views, security_views
from hangqifu.accounts import views as account_views
from hangqifu.audit_browser import urls as audit_browser_urls
from hangqifu.portal import clock_views
from hangqifu.portal import views as portal_views
from sanctions import urls as sanctions_urls
from supervision import urls as supervision_urls

admin.site.site_header = "杭企服 · 管理后台"
admin.site.site_title = "杭企服管理后台"
admin.site.index_title = "业务管理"

urlpatterns = [
    path("", portal_views.landing, name="landing"),
    path("home/", portal_views.home, name="home"),
    path("healthz/", portal_views.healthz, name="healthz"),
    path("test-clock/", clock_views.test_clock_panel, name="test-clock"),
    path("guide/", portal_views.guide_list, name="guide-list"),
    path("guide/<slug:slug>/", portal_views.guide_detail, name="guide"),
    path("accounts/login/", security_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", security_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/password/", security_views.PasswordChangeView.as_view(success_url="/home/"), name="password_change"),
    path("accounts/credit-code-claim/", credit_claim_views.claim_new, name="credit-claim-new"),
    path("accounts/credit-code-claims/", credit_claim_views.claim_list, name="credit-claim-list"),
    path("accounts/credit-code-claims/<int:pk>/", credit_claim_views.claim_detail, name="credit-claim-detail"),
    path("accounts/credit-code-claims/<int:pk>/<str:decision>/", credit_claim_views.claim_decide,
         name="credit-claim-decide"),
    path("accounts/second-factor/", security_views.second_factor_manage, name="second-factor"),
    path("accounts/second-factor/verify/", security_views.second_factor_verify, name="second-factor-verify"),
    path("accounts/second-factor/backup-codes/", security_views.backup_codes_renew, name="second-factor-backup-codes"),
    path("accounts/second-factor/disable/", security_views.second_factor_disable, name="second-factor-disable"),
    path("notifications/", include("hangqifu.notifications.urls")),
    path("calendar/", include("hangqifu.workdays.urls")),
    path("documents/", include("hangqifu.documents.urls")),
    path("notices/", include("hangqifu.notices.urls")),
    # the audit browser, sanctions and supervision share /audit/ and the "audit" namespace (paths are public)
    path("audit/", include(([*audit_browser_urls.urlpatterns, *sanctions_urls.urlpatterns, *supervision_urls.urlpatterns],
                            "audit"))),
    path("vouchers/", include("registration.urls")),
    path("vouchers/", include("vouchers.urls")),
    path("providers/", include("providers.urls")),
    path("redemption/", include("redemption.urls")),
    path("api/v1/", include(("hangqifu.api_urls", "api"), namespace="api")),
    # Registration's admin pages lived under the vouchers app until it became its own app: old links (bookmarks,
    # notifications already sent) land on the same page.
    re_path(r"^admin/vouchers/(?P<rest>(?:registrationapplication|qualification|changereport|sizethreshold|"
            r"creditlistentry|creditdelisting|parkrecognition|abovescaleentry)/.*)$",
            RedirectView.as_view(url="/admin/registration/%(rest)s", permanent=True, query_string=True)),
    path("admin/", admin.site.urls),
]

handler403 = "hangqifu.portal.views.error_403"
handler404 = "hangqifu.portal.views.error_404"
handler500 = "hangqifu.portal.views.error_500"
