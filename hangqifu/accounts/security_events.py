"""Sign-in events in the audit chain: login, failed login, logout and lockout, whichever page or endpoint they
came from (Django's and django-axes' authentication signals, connected in AccountsConfig.ready)."""
from audit.services import audit_record


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    return "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"


def on_login(sender, request, user, **kwargs):
    audit_record(actor=user, action="security.login", obj=user, payload={"channel": _channel(request)})


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    audit_record(action="security.login_failed", payload={"username": username, "channel": _channel(request)})


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="security.logout", obj=user, payload={"channel": _channel(request)})


def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(action="security.lockout", payload={"username": str(username or "")[:150], "ip": ip_address,
                                                     "channel": _channel(request)})


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_login, dispatch_uid="security-login")
    user_login_failed.connect(on_login_failed, dispatch_uid="security-login-failed")
    user_logged_out.connect(on_logout, dispatch_uid="security-logout")
    user_locked_out.connect(on_locked_out, dispatch_uid="security-lockout")
