"""REST API of claimed vouchers (API.md `vouchers/`): read-only. No endpoint moves a voucher to another
organisation — vouchers are not transferable (第四条)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField

from ..models.vouchers import Voucher
from ..selectors import claims as selectors


class VoucherOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    batch = serializers.IntegerField(source="batch_id")
    voucher_type = serializers.IntegerField(source="voucher_type_id")
    year = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField(source="get_category_display")
    face_value = MoneyField()
    balance = MoneyField()
    expires_on = serializers.DateField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="status_label")
    frozen = serializers.BooleanField(source="is_frozen", help_text="资格暂停中：券仍有效但冻结，不能抵扣")
    claimed_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, obj) -> list[str]:
        return []  # a voucher is spent through an order's `deduct/`; it is never transferred


class VoucherListApi(ListAPIView):
    """Own vouchers (enterprise, park); staff see all. Filters: state, year, category."""

    queryset = Voucher.objects.none()
    serializer_class = VoucherOutput

    @extend_schema(parameters=[OpenApiParameter("state", str), OpenApiParameter("year", int),
                               OpenApiParameter("category", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.vouchers_for(user=self.request.user, state=params.get("state"), year=params.get("year"),
                                      category=params.get("category"))


class VoucherDetailApi(APIView):
    @extend_schema(responses={200: VoucherOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(VoucherOutput(selectors.voucher_get(user=request.user, voucher_id=pk)).data)
