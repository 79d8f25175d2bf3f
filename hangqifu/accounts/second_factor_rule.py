"""Who needs the second factor and whether it is verified: the rule every role predicate applies (see
second_factor.py for enrolment, verification and reset)."""
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import Role

SECOND_FACTOR_ROLES = frozenset({Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU, Role.DISTRICT,
                                 Role.EXPERT})

_UNSET = object()


def requires_second_factor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)
                and (user.role in SECOND_FACTOR_ROLES or user.is_staff or user.is_superuser))


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    """The account has a confirmed authenticator (cached on the user object for the request or task)."""
    cached = getattr(user, "_has_second_factor", None)
    if cached is None:
        cached = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        user._has_second_factor = cached
    return cached


def verified(user) -> bool:
    """Signed in with the second factor. A request's user carries django-otp's `otp_device` (OTPMiddleware for
    sessions, ApiTokenAuthentication for tokens issued after a code); a user loaded outside a request (a task
    acting for the user who queued it, a management command) counts when the account has an authenticator."""
    device = getattr(user, "otp_device", _UNSET)
    if device is not _UNSET:
        return device is not None
    return has_second_factor(user)


def acts_with_second_factor(user) -> bool:
    """The rule every staff role predicate applies: a role that needs the second factor counts only once it
    is verified. Accounts outside those roles pass (their opt-in is enforced at login)."""
    return not requires_second_factor(user) or verified(user)
