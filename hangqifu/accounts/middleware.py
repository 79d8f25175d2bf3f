"""Session rules for signed-in users: the second factor before anything else, the staff idle timeout, no caching
of any signed-in answer, and an audit event for every refused write."""
import time
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import refusals
from hangqifu.core.middleware import database_unavailable, unavailable_response

from .second_factor_rule import has_second_factor, requires_second_factor

OPTED_IN_SESSION_KEY = "second_factor_opted_in"
LAST_SEEN_SESSION_KEY = "last_seen"
# What an account that still owes its second factor may open: the code and enrolment pages, logging out,
# the files those pages need, and the token endpoint (it ignores the session and asks for the code itself).
_OPEN_PREFIXES = ("/accounts/second-factor/", "/accounts/logout/", "/accounts/login/", "/static/", "/healthz/",
                  "/api/v1/auth/logout/", "/api/v1/auth/token/")


def _api_refusal(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


class _SessionRule:
    """A rule read from the session and the user before the view (`check`, which may answer instead of it)
    and after it (`finish`). While the database is away they answer the portal's 503, like every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            early = self.check(request)
        except Exception as exc:
            if database_unavailable(exc):
                return unavailable_response(request)
            raise
        if early is not None:
            return early
        response = self.get_response(request)
        try:
            return self.finish(request, response)
        except Exception as exc:
            if database_unavailable(exc):
                return unavailable_response(request)
            raise

    def check(self, request):
        return None

    def finish(self, request, response):
        return response


class SecondFactorMiddleware(_SessionRule):
    """A staff account (and an account that opted in) signed in with the password alone reaches only the code
    page — or the enrolment page while it has no authenticator yet. The role predicates refuse it as well
    (`acts_with_second_factor`); this keeps every page, the admin and session API calls behind the code."""

    def check(self, request):
        user = request.user
        if (user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES)
                and (requires_second_factor(user) or request.session.get(OPTED_IN_SESSION_KEY))
                and not user.is_verified()):
            if request.path.startswith("/api/"):
                return _api_refusal("second_factor_required", "请先完成动态口令验证", 403)
            target = "second-factor-verify" if has_second_factor(user) else "second-factor"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return None


class StaffIdleTimeoutMiddleware(_SessionRule):
    """A staff session unused for STAFF_IDLE_TIMEOUT_SECONDS (30 minutes) ends; the next request signs in
    again. Activity is written to the session at most once a minute."""

    def check(self, request):
        user = request.user
        if user.is_authenticated and requires_second_factor(user) and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT_SECONDS:
                audit_record(actor=user, action="security.session_timeout", obj=user,
                             payload={"idle_seconds": now - last_seen})
                logout(request)
                if request.path.startswith("/api/"):
                    return _api_refusal("session_expired", "长时间未操作，已自动退出，请重新登录", 401)
                return redirect(f"{reverse('login')}?next={quote(request.get_full_path())}&timeout=1")
            if last_seen is None or now - last_seen >= 60:
                request.session[LAST_SEEN_SESSION_KEY] = now
        return None


class NoStoreForSignedInMiddleware(_SessionRule):
    """Nothing a signed-in user (session or token) is shown may be kept by a browser or proxy cache. A refusal
    of a signed-in user — a NotPermitted raised by a service or transition (shown as a message on a page, or
    403 from the API) or a refused write (403) — is a security event in the audit chain, written after the
    response, outside the transaction that the refusal rolled back."""

    def check(self, request):
        request._refusals_token = refusals.set([])
        return None

    def finish(self, request, response):
        noted = refusals.get() or []
        refusals.reset(request._refusals_token)
        if response.status_code == 503:
            return response  # the outage page: the user cannot be read
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or request.META.get("HTTP_AUTHORIZATION"):
            response["Cache-Control"] = "no-store"
        write_refused = response.status_code == 403 and request.method not in ("GET", "HEAD", "OPTIONS")
        if signed_in and (noted or write_refused):
            audit_record(actor=user, action="security.permission_denied", obj=user,
                         payload={"method": request.method, "path": request.path[:300], "status": response.status_code,
                                  "refusals": noted})
        return response
