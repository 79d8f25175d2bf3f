"""Domain errors: a stable snake_case code (API.md), a Chinese message and an HTTP status for the API.
Services raise them; views show `detail`; the API renders {"code","detail","fields"}."""
from contextvars import ContextVar

# The permission refusals raised while serving one request (set by the sign-in middleware, which writes them
# to the audit chain after the response — outside the transaction the refusal rolled back).
refusals: ContextVar[list | None] = ContextVar("refusals", default=None)


class DomainError(Exception):
    code = "invalid"
    status = 400
    default_detail = "请求无法处理"

    def __init__(self, detail: str | None = None, *, code: str | None = None, fields: dict | None = None,
                 status: int | None = None):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        super().__init__(self.detail)

    def as_dict(self) -> dict:
        return {"code": self.code, "detail": self.detail, "fields": self.fields}

    def message(self) -> str:
        """The refusal as a person reads it: the detail, then any field message it does not already say, in
        brackets — never a field name, a list or a dict (“请填写审核意见（opinion: ['请填写审核意见']）”)."""
        extra = [text for text in field_messages(self.fields) if text not in self.detail and text not in _MARKERS]
        return self.detail + (f"（{'；'.join(extra)}）" if extra else "")


# Per-field markers that only make sense next to the field itself (the detail already names the fields).
_MARKERS = {"必填", "此项必填", "请填写", "必选"}


def field_messages(fields) -> list[str]:
    """Every message in a `fields` structure (dicts and lists nest, as DRF's do), in order, each once."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif value not in (None, "") and str(value) not in found:
            found.append(str(value))

    walk(fields or {})
    return found


class RuleViolation(DomainError):
    """A policy rule refuses the action (quota_exceeded, fund_exhausted, …)."""
    status = 409


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_detail = "当前状态下不能执行此操作"


class NotPermitted(DomainError):
    code = "permission_denied"
    status = 403
    default_detail = "您没有执行此操作的权限"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        noted = refusals.get()
        if noted is not None and len(noted) < 20:
            noted.append({"code": self.code, "detail": self.detail})


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_detail = "对象不存在"


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_detail = "输入有误"
