"""Bulk actions over every row matching the filters (like the re-review bulk approval): the service center
pre-reviews and the bureau approves redemption claims, a district confirms one QinQing Online payment run.
Each row goes through its own service; `skipped` gives each refused row's reason in Chinese."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer
from hangqifu.core.choices import District

from .. import selectors
from ..models import DistrictPayment, RedemptionClaim
from ..services import bulk

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer}
BULK_RESULT = inline_serializer("BulkResult", {
    "done": serializers.ListField(child=serializers.IntegerField(), help_text="处理成功的编号"),
    "skipped": serializers.DictField(child=serializers.CharField(), help_text="未处理的编号 → 原因（中文）")})


def _claims(user, state, data):
    queryset = selectors.claim_list_for(user=user, state=state)
    if data.get("provider"):
        queryset = queryset.filter(provider_id=data["provider"])
    if data.get("district"):
        queryset = queryset.filter(provider__district=data["district"])
    return queryset


class _ClaimFilters(serializers.Serializer):
    provider = serializers.IntegerField(required=False, help_text="只处理该服务机构的申请")
    district = serializers.ChoiceField(choices=District.choices, required=False, help_text="服务机构所在区县")
    opinion = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class _ClaimsBulkApi(APIView):
    service = state = None

    @extend_schema(request=_ClaimFilters, responses={200: BULK_RESULT, **ERRORS})
    def post(self, request):
        data = _ClaimFilters(data=request.data)
        data.is_valid(raise_exception=True)
        result = type(self).service(actor=request.user, opinion=data.validated_data["opinion"],
                                    queryset=_claims(request.user, self.state, data.validated_data))
        return Response(result.as_dict())


class ClaimsBulkPreReviewApi(_ClaimsBulkApi):
    """[service center] Pass the formal pre-review of every submitted claim matching the filters."""
    service, state = staticmethod(bulk.claims_bulk_pre_review), RedemptionClaim.State.SUBMITTED


class ClaimsBulkApproveApi(_ClaimsBulkApi):
    """[bureau] Approve every pre-reviewed claim matching the filters (each against its provider's cap)."""
    service, state = staticmethod(bulk.claims_bulk_approve), RedemptionClaim.State.PRE_REVIEWED


class PaymentsBulkConfirmApi(APIView):
    """[district] Confirm every unpaid line of the caller's district matching the filters as paid in one
    亲清在线 run `{"reference","paid_at","batch","state"}`; each line's reference is `<reference>-<line id>`."""

    class InputSerializer(serializers.Serializer):
        reference = serializers.CharField(max_length=80, help_text="亲清在线批量支付批次号")
        paid_at = serializers.DateTimeField()
        batch = serializers.IntegerField(required=False, help_text="只处理该结算批次的支付")
        state = serializers.ChoiceField(choices=[DistrictPayment.State.PENDING, DistrictPayment.State.FAILED],
                                        required=False)

    @extend_schema(request=InputSerializer, responses={200: BULK_RESULT, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        queryset = selectors.payment_list_for(user=request.user, state=data.validated_data.get("state"),
                                              batch=data.validated_data.get("batch"))
        result = bulk.payments_bulk_confirm(actor=request.user, queryset=queryset,
                                            reference=data.validated_data["reference"],
                                            paid_at=data.validated_data["paid_at"])
        return Response(result.as_dict())
