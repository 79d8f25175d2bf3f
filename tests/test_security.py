"""Security headers, CSP without inline code, CSRF on forms, session expiry (issue 10 "Hardening")."""
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
        if "@page" in text:  # a PDF template, rendered by WeasyPrint, never served to a browser
            continue
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
