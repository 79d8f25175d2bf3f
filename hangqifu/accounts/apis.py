from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, error_response

from . import services


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
        username = serializers.CharField()
        password = serializers.CharField(trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses={200: inline_serializer("Token", {"token": serializers.CharField()}),
                                                      400: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request=request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if getattr(request, "axes_locked_out", False):
            return error_response("account_locked", "登录失败次数过多，账号已暂时锁定，请稍后再试", 403)
        if user is None or not user.is_active:
            return error_response("invalid_credentials", "用户名或密码错误", 400)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


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
        token, _ = Token.objects.get_or_create(user=user)
        return Response({**MeOutput(user).data, "token": token.key}, status=201)


class MeApi(APIView):
    @extend_schema(responses={200: MeOutput})
    def get(self, request):
        return Response(MeOutput(request.user).data)

