"""统一社会信用代码 (GB 32100-2015) and the portal's password rule."""
import re

from django.core.exceptions import ValidationError

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(ch not in CREDIT_CODE_CHARSET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def validate_credit_code(code: str) -> None:
    if not is_valid_credit_code(code):
        raise ValidationError("统一社会信用代码无效：应为18位（数字或大写字母，不含I、O、Z、S、V），且校验位正确",
                              code="invalid_credit_code")


# Mainland numbers: an 11-digit mobile (1[3-9]…, optionally +86) or a landline with its area code
# (0 + 2–3 digits, then 7–8 digits, an extension after a hyphen), e.g. 13800000000, 0571-88888888-123.
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
PHONE_HELP = "请填写 11 位手机号码或带区号的固定电话，如 13800000000 或 0571-88888888"


def normalise_phone(value: str) -> str:
    """The number without spaces (and without the hyphens people type inside a mobile number); '' if empty."""
    text = (value or "").strip().replace(" ", "")
    digits = text.replace("-", "")
    return digits if _MOBILE.match(digits) else text


def is_valid_phone(value: str) -> bool:
    text = normalise_phone(value)
    return bool(_MOBILE.match(text) or _LANDLINE.match(text))


def make_credit_code(body: str) -> str:
    """A valid code from 17 characters (demo data and tests)."""
    return body + credit_code_check_char(body)


class MixedCharacterValidator:
    def validate(self, password, user=None):
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码必须同时包含字母和数字", code="password_not_mixed")

    def get_help_text(self):
        return "密码必须同时包含字母和数字。"
