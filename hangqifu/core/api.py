"""API conventions of API.md: pagination, the error format, idempotent POSTs, transition responses."""
import hashlib
import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django_fsm import TransitionNotAllowed
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .models import IdempotencyRecord
from .money import MONEY_FIELD_KWARGS, yuan


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class MoneyField(serializers.DecimalField):
    """An amount in yuan, read by the portal's one money parser (core.money.yuan): `1e27`, NaN, Infinity and
    more than two decimals are refused with `invalid`, never rounded. Written as a two-decimal string."""

    def __init__(self, **kwargs):
        for key, value in MONEY_FIELD_KWARGS.items():
            kwargs.setdefault(key, value)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return yuan(data)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from None


class MoneyModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose money columns (DecimalField 14,2) are read by MoneyField, not DRF's DecimalField
    (which would take `1_000` or `1e3`)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if (field_class is serializers.DecimalField and kwargs.get("decimal_places") == MONEY_FIELD_KWARGS["decimal_places"]
                and kwargs.get("max_digits") == MONEY_FIELD_KWARGS["max_digits"]):
            field_class = MoneyField
        return field_class, kwargs


def visible_or_404(read, request, pk):
    """The object `read(user=…, pk=…)` (an app's scoped selector) lets the caller see, else 404: an object the
    caller may not see is answered as if it did not exist."""
    found = read(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return found


def read_again_response(read, output, request, obj, status=200) -> Response:
    """`obj` read again through `read` as the caller now sees it (after a change), written by `output`; one the
    caller can no longer see (moved out of its scope meanwhile) is answered 404 like any object it cannot see."""
    return Response(output(visible_or_404(read, request, obj.pk), context={"request": request}).data, status=status)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(required=False)


def claim_queue_busy():
    """A documented 429 of the claim's admission control (hangqifu/core/admission.py)."""
    from drf_spectacular.utils import OpenApiResponse

    return OpenApiResponse(ErrorSerializer, description=(
        "排队中（code `busy`）：此刻在办理的领券请求已达上限，本请求未被受理、未做任何改动。"
        "响应头 `X-Queue-Position` 是排在前面的企业数，`Retry-After` 是预计轮到本企业的秒数（按排位和近几秒的受理速度估算），"
        "请等待后用同一请求（可带同一 Idempotency-Key）重试，排位按首次排队的先后保留；"
        "超过 `Retry-After` 数秒仍未重试的，视为放弃，排位作废；"
        "券种已领完时不排队，直接答 409 `batch_exhausted`。"))


def rule_refusal(*codes: str):
    """A documented 409: the policy rule refuses the action, with the stable codes this operation may answer."""
    from drf_spectacular.utils import OpenApiResponse

    return OpenApiResponse(ErrorSerializer, description="规则不允许，code 为：" + "、".join(f"`{c}`" for c in codes))


_DRF_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", "请先登录"),
    exceptions.AuthenticationFailed: ("authentication_failed", "身份验证失败"),
    exceptions.PermissionDenied: ("permission_denied", "您没有执行此操作的权限"),
    exceptions.NotFound: ("not_found", "对象不存在"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的请求格式"),
    exceptions.ParseError: ("parse_error", "请求内容无法解析"),
}


def error_response(code: str, detail: str, status_code: int, fields: dict | None = None, headers=None):
    return Response({"code": code, "detail": detail, "fields": fields or {}}, status=status_code, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.detail, exc.status, exc.fields)
    if isinstance(exc, TransitionNotAllowed):
        return error_response("invalid_transition", "当前状态下不能执行此操作", status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return error_response("invalid", "输入有误", status.HTTP_400_BAD_REQUEST, fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return error_response("invalid", "输入有误", status.HTTP_400_BAD_REQUEST, fields)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    for exc_class, (code, detail) in _DRF_CODES.items():
        if isinstance(exc, exc_class):
            if isinstance(exc, exceptions.AuthenticationFailed) and exc.default_code != "authentication_failed":
                code, detail = exc.default_code, str(exc.detail)  # token_expired, token_revoked
            elif isinstance(exc, exceptions.AuthenticationFailed) and str(exc.detail) != str(exc.default_detail):
                detail = str(exc.detail)  # the portal's own Chinese reason
            break
    else:
        code, detail = getattr(exc, "default_code", "error"), str(getattr(exc, "detail", "请求无法处理"))
    response.data = {"code": code, "detail": detail, "fields": {}}
    return response


def _body_digest(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        body = ""
    return hashlib.sha256(f"{request.method} {request.path} {body}".encode()).hexdigest()


def idempotent(request, handler, *, stores_early: bool = False):
    """Run `handler()` (which returns a Response) at most once per (user, Idempotency-Key).

    The key's row is inserted in the same transaction as the effect: a concurrent replay blocks on the
    UNIQUE index until the first commits, then finds the stored response. A failed attempt rolls back
    with its row, so a retry after an error may run again (nothing had changed).

    `stores_early`: the handler is called as `handler(store)` and calls `store(response)` itself, inside the
    transaction, once its response is rendered — before its last statement when that one charges a hot row
    (the deduction), so the row is held for that statement and COMMIT only. Whatever fails after `store`
    rolls the stored response back with the rest."""

    key = request.headers.get("Idempotency-Key")
    if not key:
        return handler(lambda response: None) if stores_early else handler()
    if len(key) > 200:
        return error_response("invalid", "Idempotency-Key 过长", status.HTTP_400_BAD_REQUEST)
    digest = _body_digest(request)

    def replay(record):
        if record.request_digest != digest:
            return error_response("idempotency_key_reused", "同一个 Idempotency-Key 不能用于不同的请求",
                                  status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(record.response_body, status=record.response_status, headers={"Idempotent-Replay": "true"})

    existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if existing:
        return replay(existing)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=request.user, key=key, request_digest=digest,
                                                      response_status=0, response_body={})
            response = handler(lambda early: _store(record, early)) if stores_early else handler()
            if response.status_code >= 400:
                raise _RollbackWith(response)
            if record.response_status == 0:
                _store(record, response)
            return response
    except _RollbackWith as rollback:
        return rollback.response
    except DomainError as exc:
        return error_response(exc.code, exc.detail, exc.status, exc.fields)
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing is None:
            raise
        return replay(existing)


def _store(record, response) -> None:
    if response.status_code >= 400:
        return  # a refusal is not stored: the attempt rolls back
    record.response_status = response.status_code
    record.response_body = json.loads(json.dumps(response.data, default=str))
    record.save(update_fields=["response_status", "response_body"])


class _RollbackWith(Exception):
    def __init__(self, response):
        self.response = response


def state_field(choices, **kwargs):
    """The FSM state id as a plain string (OpenAPI: one description per workflow, no colliding "state" enums)."""
    values = "、".join(f"{value}（{label}）" for value, label in choices)
    return serializers.CharField(help_text=f"状态：{values}", **kwargs)


def valid_state(value, choices):
    if value and value not in dict(choices):
        raise serializers.ValidationError("无效的状态")
    return value
