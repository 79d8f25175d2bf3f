"""Security headers, CSP without inline code, CSRF on forms, session expiry."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_pages_carry_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style():
    """CSP blocks inline code; a template that relies on it would silently break in the browser."""
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        if "@page" in text or '{% extends "pdf/base.html" %}' in text:
            continue  # a PDF template, rendered by WeasyPrint, never served to a browser
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=\"", text) or "<style" in text:
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_every_post_form_carries_a_csrf_token():
    missing = []
    for template in (ROOT / "templates").rglob("*.html"):
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", template.read_text(), flags=re.S | re.I):
            if "csrf_token" not in form:
                missing.append(str(template.relative_to(ROOT)))
    assert missing == []


def test_login_without_csrf_token_is_refused(make_user):
    user = make_user()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": user.username, "password": "Test-password-2026"})
    assert response.status_code == 403


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


# --- added by the reliability issue: what the checks above did not cover yet -----------------------------

def test_login_locks_out_after_repeated_failures_even_with_the_right_password(make_user, settings):
    # given a user and the lockout threshold
    user = make_user()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong-password"})
    # when the right password is tried next
    response = client.post("/accounts/login/", {"username": user.username, "password": "Test-password-2026"})
    # then the account stays locked and no session is opened
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert Client().get("/home/").status_code == 302


def test_an_expired_session_no_longer_authenticates(make_user):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    user = make_user()
    client = Client()
    client.force_login(user)
    assert client.get("/home/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/home/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_state_changing_page_post_without_csrf_token_is_refused(make_user):
    user = make_user()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/accounts/logout/").status_code == 403
    assert strict.post("/vouchers/orders/1/cancel/", {"reason": "x"}).status_code == 403


def test_api_docs_and_error_pages_keep_the_strict_policy(client):
    for url in ("/api/v1/docs/", "/no-such-page/", "/api/v1/schema/"):
        response = client.get(url)
        csp = response.get("Content-Security-Policy", "")
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert response["X-Content-Type-Options"] == "nosniff", url


def test_session_and_csrf_cookies_are_secure_in_production():
    import subprocess
    import sys

    code = ("from django.conf import settings as s; "
            "assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE and s.SECURE_HSTS_SECONDS >= 31536000; "
            "assert s.SESSION_COOKIE_HTTPONLY and s.SECURE_SSL_REDIRECT; "
            "assert 'unsafe-inline' not in str(s.CONTENT_SECURITY_POLICY)")
    env = {"DJANGO_SETTINGS_MODULE": "hangqifu.settings.production", "DJANGO_SECRET_KEY": "x" * 60,
           "DJANGO_ALLOWED_HOSTS": "hangqifu.example.gov.cn", "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_api_url_that_matches_no_route_answers_in_the_error_format(client):
    response = client.post("/api/v1/orders/-1/rate/", {}, content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
