from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.roles import Role
from hangqifu.core.api import ErrorSerializer, MoneyModelSerializer
from hangqifu.core.errors import NotPermitted

from . import services
from .models import PolicyYear


class PolicyYearSerializer(MoneyModelSerializer):
    class Meta:
        model = PolicyYear
        fields = ["year", *services.EDITABLE_FIELDS, "policy_valid_from", "policy_valid_until"]
        read_only_fields = ["year", "policy_valid_from", "policy_valid_until"]


class PolicyYearListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: PolicyYearSerializer(many=True)})
    def get(self, request):
        return Response(PolicyYearSerializer(PolicyYear.objects.all(), many=True).data)


class PolicyYearDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: PolicyYearSerializer, 404: ErrorSerializer})
    def get(self, request, year: int):
        return Response(PolicyYearSerializer(services.policy_for(year)).data)

    @extend_schema(request=PolicyYearSerializer, responses={200: PolicyYearSerializer, 400: ErrorSerializer,
                                                            403: ErrorSerializer})
    def patch(self, request, year: int):
        if not (request.user.is_authenticated and request.user.has_role(Role.BUREAU)):
            raise NotPermitted("只有市经信局可以修改年度政策参数")
        data = PolicyYearSerializer(services.policy_for(year), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        policy = services.policy_update(actor=request.user, year=year, changes=dict(data.validated_data))
        return Response(PolicyYearSerializer(policy).data)
