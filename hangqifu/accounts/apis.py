from django.contrib.auth import authenticate, logout
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hangqifu.audit.services import audit_record
from hangqifu.core.api import ErrorSerializer, error_response

from . import second_factor, services, tokens
from .models import ApiToken
from .second_factor_rule import has_second_factor, requires_second_factor


class OrganisationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    credit_code = serializers.CharField(allow_null=True)
    district = serializers.CharField()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    organisation = OrganisationOutput(allow_null=True)


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(trim_whitespace=False, max_length=256)
        otp = serializers.CharField(required=False, allow_blank=True, max_length=16, help_text=(
            "动态口令（验证器App的6位数字，或一个备用码）。工作人员账号（服务中心、经信局、财政局、区县财政、评审专家）"
            "及已开启动态口令的账号必填；其他账号可省略"))
        label = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                      help_text="客户端名称，出现在令牌列表中，便于识别和注销")

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="以 `Authorization: Token <token>` 使用；只在此返回一次")
        id = serializers.CharField(help_text="令牌编号（令牌的前15个字符），用于列表和注销")
        expires_at = serializers.DateTimeField(allow_null=True, help_text="到期时间；到期后须重新获取")
        second_factor = serializers.BooleanField(help_text="签发时是否经过动态口令验证")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, 400: ErrorSerializer,
                                                      403: ErrorSerializer},
                   description="签发一个会到期的 API 令牌（有效期见 API_TOKEN_TTL_HOURS，默认8小时）。"
                               "错误码：invalid_credentials、account_locked、otp_required（需提供 otp）、invalid_otp、"
                               "second_factor_not_enrolled（工作人员须先在网页端绑定动态口令）。")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request=request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if getattr(request, "axes_locked_out", False):
            return error_response("account_locked", "登录失败次数过多，账号已暂时锁定，请稍后再试", 403)
        if user is None or not user.is_active:
            return error_response("invalid_credentials", "用户名或密码错误", 400)
        enrolled = has_second_factor(user)
        if requires_second_factor(user) and not enrolled:
            return error_response("second_factor_not_enrolled",
                                  "工作人员账号须先在网页端登录并绑定动态口令，之后才能获取 API 令牌", 403)
        if enrolled:
            if not data.validated_data.get("otp"):
                return error_response("otp_required", "该账号已启用动态口令，请同时提交 otp", 400,
                                      {"otp": ["请填写动态口令"]})
            second_factor.second_factor_verify(user=user, code=data.validated_data["otp"], channel="api")
        label = data.validated_data.get("label") or request.headers.get("User-Agent", "")
        token, key = tokens.token_issue(user=user, second_factor=enrolled, label=label)
        return Response({"token": key, "id": token.token_key, "expires_at": token.expiry, "second_factor": enrolled})


class LogoutApi(APIView):
    """Ends the token the request was made with (a session caller is logged out instead)."""

    @extend_schema(request=None, responses={204: None}, description="注销当前请求所用的令牌（会话方式调用时退出登录）")
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            tokens.token_revoke(user=request.user, token_key=request.auth.token_key,
                                reason=ApiToken.RevokedReason.LOGOUT)
        else:
            audit_record(actor=request.user, action="security.logout", obj=request.user, payload={"channel": "api"})
            logout(request._request)
        return Response(status=204)


class ApiTokenOutput(serializers.Serializer):
    id = serializers.CharField(source="token_key")
    label = serializers.CharField()
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry", allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    second_factor = serializers.BooleanField()
    current = serializers.SerializerMethodField()

    def get_current(self, token) -> bool:
        auth = self.context.get("auth")
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class TokenListApi(APIView):
    @extend_schema(responses={200: ApiTokenOutput(many=True)}, description="本人尚未到期、未注销的 API 令牌")
    def get(self, request):
        rows = tokens.live_tokens(user=request.user).order_by("-created")[:200]
        return Response(ApiTokenOutput(rows, many=True, context={"auth": request.auth}).data)


class TokenRevokeApi(APIView):
    @extend_schema(request=None, responses={204: None, 404: ErrorSerializer}, description="注销本人的一个令牌")
    def delete(self, request, token_id: str):
        tokens.token_revoke(user=request.user, token_key=token_id[:40])
        return Response(status=204)


class SignupApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(trim_whitespace=False)
        kind = serializers.ChoiceField(choices=["enterprise", "park", "provider"])
        organisation_name = serializers.CharField(max_length=200)
        credit_code = serializers.CharField(max_length=18)
        email = serializers.EmailField(required=False, default="")
        contact_phone = serializers.CharField(required=False, default="", max_length=30)

    @extend_schema(request=InputSerializer, responses={201: MeOutput, 400: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.signup(**data.validated_data)
        _, key = tokens.token_issue(user=user, second_factor=False, label=request.headers.get("User-Agent", ""))
        return Response({**MeOutput(user).data, "token": key}, status=201)


class MeApi(APIView):
    @extend_schema(responses={200: MeOutput})
    def get(self, request):
        return Response(MeOutput(request.user).data)

