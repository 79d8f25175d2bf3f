"""API tokens that end. django-rest-knox issues them and stores only their SHA-512 digest; ApiToken extends its
model with what a public-money API needs: revocation that is remembered (so a replay is recognised and audited),
binding to the password (a password change ends every token, whichever way the password was changed) and the
second factor (a staff token exists only after a code)."""
import binascii
from hmac import compare_digest

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from hangqifu.audit.services import audit_record
from hangqifu.core.errors import NotFound

from .models import ApiToken
from .second_factor_rule import requires_second_factor

LAST_USED_PRECISION_SECONDS = 60


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "令牌已过期，请重新获取"
    default_code = "token_expired"


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = "令牌已注销，请重新获取"
    default_code = "token_revoked"


def password_stamp(user) -> str:
    """Changes whenever the password changes (Django's session hash: an HMAC of the password hash)."""
    return user.get_session_auth_hash()


@transaction.atomic
def token_issue(*, user, second_factor: bool, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` (returned once, in clear; only its digest is kept)."""
    token, key = ApiToken.objects.create(user=user, second_factor=second_factor, password_stamp=password_stamp(user),
                                         label=(label or "")[:200])
    audit_record(actor=user, action="security.token_issued", obj=user,
                 payload={"token": token.token_key, "expiry": token.expiry, "second_factor": second_factor})
    return token, key


def live_tokens(*, user):
    now = timezone.now()
    return ApiToken.objects.filter(Q(expiry__isnull=True) | Q(expiry__gt=now), user=user, revoked_at__isnull=True)


@transaction.atomic
def token_revoke(*, user, token_key: str, reason: str = ApiToken.RevokedReason.OWNER) -> ApiToken:
    """The owner ends one of their tokens (by its id, the token's first characters)."""
    token = live_tokens(user=user).select_for_update().filter(token_key=token_key).first()
    if token is None:
        raise NotFound("令牌不存在或已失效")
    token.revoked_at = timezone.now()
    token.revoked_reason = reason
    token.save(update_fields=["revoked_at", "revoked_reason"])
    audit_record(actor=user, action="security.token_revoked", obj=user,
                 payload={"token": token.token_key, "reason": reason})
    return token


@transaction.atomic
def tokens_revoke_all(*, user, reason: str) -> int:
    """End every live token of `user` (password change, second-factor reset, account disabled)."""
    keys = list(live_tokens(user=user).values_list("token_key", flat=True))
    if keys:
        ApiToken.objects.filter(user=user, token_key__in=keys, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=reason)
        audit_record(actor=user, action="security.token_revoked", obj=user,
                     payload={"tokens": keys, "reason": reason})
    return len(keys)


def _audit_replay(token: ApiToken, request) -> None:
    """A revoked token was presented: audited, once a minute per token at most (a replaying client must not
    flood the chain)."""
    if cache.add(f"revoked-token-use:{token.token_key}", 1, timeout=60):
        audit_record(actor=token.user, action="security.revoked_token_used", obj=token.user,
                     payload={"token": token.token_key, "reason": token.revoked_reason,
                              "path": request.path[:200] if request is not None else ""})


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. Refuses a token that expired, was revoked (audited), predates a password
    change, or belongs to a staff role but was issued without the second factor."""

    def authenticate(self, request):
        self._request = request
        return super().authenticate(request)

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("utf-8")
            digest = hash_token(key)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed("令牌无效") from None
        for candidate in ApiToken.objects.filter(token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user"):
            if compare_digest(digest, candidate.digest):
                return self._accept(candidate)
        raise exceptions.AuthenticationFailed("令牌无效")

    def _accept(self, token: ApiToken):
        user = token.user
        now = timezone.now()
        if token.revoked_at is not None:
            _audit_replay(token, getattr(self, "_request", None))
            raise TokenRevoked()
        if token.expiry is not None and token.expiry <= now:
            raise TokenExpired()
        if not user.is_active:
            raise exceptions.AuthenticationFailed("账号已停用")
        if not compare_digest(token.password_stamp, password_stamp(user)):
            raise TokenRevoked("密码已修改，令牌已失效，请重新获取")
        if requires_second_factor(user) and not token.second_factor:
            raise exceptions.AuthenticationFailed("工作人员令牌须经动态口令验证后签发")
        # django-otp's marker: this request is verified with the second factor (or the account has none).
        user.otp_device = f"api-token:{token.token_key}" if token.second_factor else None
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USED_PRECISION_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of ApiTokenAuthentication (loaded with this module)."""

    target_class = "hangqifu.accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <token>`：由 `POST /api/v1/auth/token/` 签发，会到期（默认8小时），"
                               "可在 `auth/tokens/` 列出和注销，`auth/logout/` 注销当前令牌，修改密码后全部失效。"}
