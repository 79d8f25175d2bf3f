"""The second factor: a TOTP authenticator app (django-otp's otp_totp) and one-time backup codes (otp_static).

Every staff role (service center, bureau, finance bureau, district finance, expert) and every admin user needs
it: without a verified second factor a staff member cannot act in the role at all — the role predicates of the
transitions (`User.has_role` and the role checks built on `acts_with_second_factor`) refuse, so pages, admin
and API are refused alike. Enterprises, parks and providers may opt in; once enrolled their login asks for a
code too. A lost device is reset by another staff member (bureau or service center), never by the holder.
"""
import time
from base64 import b32decode, b32encode
from binascii import hexlify

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import InvalidInput, NotPermitted, RuleViolation

from .roles import Role
from .second_factor_rule import acts_with_second_factor, confirmed_totp, has_second_factor, requires_second_factor  # noqa: F401 (pages read them here)
from .tokens import tokens_revoke_all

# Staff who may reset another account's second factor (after checking who is asking, out of band).
RESETTER_ROLES = frozenset({Role.BUREAU, Role.SERVICE_CENTER})
BACKUP_CODE_COUNT = 10
TOTP_NAME = "动态口令"
BACKUP_NAME = "备用码"

# The published secret of the demo staff accounts (seed_demo, README). Settings that refuse demo data
# (production) refuse a device holding it: a database copied from a demo can never be entered with it.
DEMO_TOTP_SECRET = "HANGQIFUDEMOTOTPSECRETFORSTAFF22"
DEMO_TOTP_KEY = hexlify(b32decode(DEMO_TOTP_SECRET)).decode()


def _refuse_demo_secret(device) -> None:
    if (isinstance(device, TOTPDevice) and not settings.DEMO_SECOND_FACTOR_ALLOWED
            and constant_time_compare(device.key.lower(), DEMO_TOTP_KEY)):
        raise RuleViolation("该账号使用的是公开的演示动态口令，生产环境不予接受。请联系市经信局或服务中心重置后重新绑定。",
                            code="demo_second_factor_refused", status=403)


def second_factor_check(*, user, code: str):
    """The device that accepts `code` (authenticator first, then a backup code, which is used up), or None.
    django-otp throttles each device after failures and refuses a TOTP code already used."""
    code = "".join((code or "").split()).lower()
    if not code or len(code) > 16:
        return None
    totp = confirmed_totp(user)
    if totp is not None:
        _refuse_demo_secret(totp)
        if code.isdigit() and verify_token(user, totp.persistent_id, code):
            return totp
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if verify_token(user, device.persistent_id, code):
            audit_record(actor=user, action="security.backup_code_used", obj=user,
                         payload={"remaining": device.token_set.count()})
            return device
    return None


def second_factor_verify(*, user, code: str, channel: str):
    """Check a code at login (web or API); audits a failure. Raises InvalidInput when refused."""
    device = second_factor_check(user=user, code=code)
    if device is None:
        audit_record(actor=user, action="security.second_factor_failed", obj=user, payload={"channel": channel})
        raise InvalidInput("动态口令错误或已使用过，请输入验证器App当前显示的6位数字或一个未用过的备用码",
                           code="invalid_otp", fields={"otp": ["动态口令错误"]})
    return device


@transaction.atomic
def totp_begin(*, user) -> TOTPDevice:
    """A fresh unconfirmed authenticator to scan; an account already enrolled must be reset first."""
    if confirmed_totp(user) is not None:
        raise RuleViolation("已绑定动态口令。如需更换设备，请联系市经信局或服务中心重置。", code="already_enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as the authenticator apps type it (base32, groups of four)."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_confirm(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the scanned authenticator with its first code; returns it and a new set of backup codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or confirmed_totp(user) is not None:
        raise RuleViolation("没有待确认的动态口令，请刷新页面重新扫码", code="no_pending_device")
    digits = "".join((code or "").split())
    if not (digits.isdigit() and device.verify_token(digits)):
        raise InvalidInput("动态口令不正确，请确认手机时间准确后输入验证器App当前显示的6位数字",
                           code="invalid_otp", fields={"otp": ["动态口令错误"]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user._has_second_factor = True
    codes = _new_backup_codes(user)
    tokens_revoke_all(user=user, reason="second_factor_changed")  # issued on the password alone
    audit_record(actor=user, action="security.second_factor_enrolled", obj=user, payload={"device": TOTP_NAME})
    return device, codes


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    if confirmed_totp(user) is None:
        raise RuleViolation("请先绑定动态口令", code="not_enrolled")
    codes = _new_backup_codes(user)
    audit_record(actor=user, action="security.backup_codes_generated", obj=user, payload={"count": len(codes)})
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def can_reset(actor, target) -> bool:
    """Another staff member of the bureau or the service center, verified themselves; an administrator's
    (superuser's) device only by another administrator."""
    if actor is None or target is None or actor.pk == target.pk:
        return False
    if target.is_superuser and not actor.is_superuser:
        return False
    return bool(actor.has_role(*RESETTER_ROLES) or (actor.is_superuser and acts_with_second_factor(actor)))


@transaction.atomic
def second_factor_reset(*, actor, user, reason: str) -> None:
    """Remove every authenticator and backup code of `user` (device lost or replaced) and revoke the user's
    API tokens; at the next login the user enrols again. Audited with the reason."""
    if not can_reset(actor, user):
        raise NotPermitted("只有市经信局或服务中心的其他工作人员可以重置动态口令")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写重置原因（如手机遗失，并写明如何核实了申请人身份）", fields={"reason": ["请填写重置原因"]})
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    user._has_second_factor = False
    tokens_revoke_all(user=user, reason="second_factor_changed")
    audit_record(actor=actor, action="security.second_factor_reset", obj=user,
                 payload={"user": user.username, "reason": reason[:500], "devices_removed": removed})


@transaction.atomic
def second_factor_disable(*, user, code: str) -> None:
    """An enterprise, park or provider that opted in may switch the second factor off again (with a code)."""
    if requires_second_factor(user):
        raise NotPermitted("工作人员账号必须使用动态口令，不能关闭")
    if second_factor_check(user=user, code=code) is None:
        raise InvalidInput("动态口令错误", code="invalid_otp", fields={"otp": ["动态口令错误"]})
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user._has_second_factor = False
    audit_record(actor=user, action="security.second_factor_disabled", obj=user)


def demo_device(*, user) -> TOTPDevice:
    """The demo seed's confirmed authenticator with the published secret (only where demo data is allowed)."""
    if not settings.DEMO_SECOND_FACTOR_ALLOWED:
        raise RuleViolation("只有演示环境可以使用公开的演示动态口令", code="demo_second_factor_refused")
    device, _ = TOTPDevice.objects.update_or_create(user=user, name=TOTP_NAME,
                                                    defaults={"key": DEMO_TOTP_KEY, "confirmed": True})
    return device


def totp_code(secret_base32: str, *, steps_ahead: int = 0, at: float | None = None, counter: int | None = None) -> str:
    """The 6-digit code an authenticator shows for `secret_base32` now (or `steps_ahead` 30-second steps
    later, or at time step `counter`): the demo command, the smoke script and the tests type what a phone would."""
    totp = TOTP(b32decode(secret_base32.replace(" ", "").upper()), step=30, t0=0, digits=6, drift=0)
    if counter is not None:
        totp.time = counter * 30
    else:
        totp.time = (time.time() if at is None else at) + 30 * steps_ahead
    return f"{totp.token():06d}"
