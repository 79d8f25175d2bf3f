"""Sign-in events in the audit chain. A failed login and a lockout are raised inside `authenticate()` (by Django
and django-axes, for the login page and `auth/token/` alike), so they are heard through those signals
(connected in AccountsConfig.ready); a successful login and a logout are written by the portal's own pages
(security_views), a token's issue by its service."""
from hangqifu.audit.services import audit_record


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    return "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    audit_record(action="security.login_failed", payload={"username": username, "channel": _channel(request)})


def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(action="security.lockout", payload={"username": str(username or "")[:150], "ip": ip_address,
                                                     "channel": _channel(request)})


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.connect(on_login_failed, dispatch_uid="security-login-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="security-lockout")
