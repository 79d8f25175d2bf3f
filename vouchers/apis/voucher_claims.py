"""REST API of the voucher claim (领券, API.md `batches/{id}/claim/`, honours Idempotency-Key) and of the claimed
vouchers (`vouchers/`): read-only. No endpoint moves a voucher to another organisation — vouchers are not
transferable (第四条)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField, claim_queue_busy, idempotent, rule_refusal

from ..models.vouchers import Voucher
from ..selectors import vouchers as selectors
from ..services import voucher_claims as services

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


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


class VoucherClaimApi(APIView):
    """领券 — first come, first served. Send an Idempotency-Key: a retry returns the first answer."""

    @extend_schema_serializer(component_name="ClaimInput")  # its name in the public schema (API.md)
    class InputSerializer(serializers.Serializer):
        voucher_type = serializers.IntegerField(help_text="本批次券种的 id（GET batches/{id}/ 的 voucher_types[].id）")

    @extend_schema(request=InputSerializer, responses={201: VoucherOutput, **ERRORS, 409: rule_refusal(
        "policy_not_in_force", "credit_listed", "not_eligible", "batch_not_open", "batch_exhausted",
        "quota_exceeded", "fund_exhausted", "banned"), 429: claim_queue_busy()},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False),
                               OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[429],
                                                description="排队中时，预计轮到本企业前应等待的秒数"),
                               OpenApiParameter("X-Queue-Position", int, OpenApiParameter.HEADER, response=[429],
                                                description="排队中时，排在本企业前面的企业数")])
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # sold out: answered from the cache, before the idempotency record's transaction (voucher_claim_cache)
        services.assert_not_sold_out(data.validated_data["voucher_type"])

        def handler():
            voucher = services.voucher_claim(actor=request.user, batch_id=pk,
                                            voucher_type_id=data.validated_data["voucher_type"])
            return Response(VoucherOutput(voucher).data, status=201)

        return idempotent(request, handler)
