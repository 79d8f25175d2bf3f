"""REST API of funds and issuance batches (API.md `funds/`, `batches/…`). Thin: parse, call one service, render.
The voucher claim (领券, `batches/{id}/claim/`) is in voucher_claims.py."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.permissions import has_role
from hangqifu.accounts.predicates import is_buyer
from hangqifu.accounts.roles import STAFF_ROLES
from hangqifu.core.api import ErrorSerializer, MoneyField, rule_refusal
from hangqifu.core.choices import ServiceCategory
from hangqifu.workflows.transitions import available_actions

from ..models.funds import Fund, IssuanceBatch
from ..selectors import funds as selectors
from ..services import funds as services

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class FundOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    total = MoneyField()
    deducted = MoneyField()
    available = MoneyField(help_text="资金余额：本年度还可抵扣的金额（用完为止）")
    exhausted_at = serializers.DateTimeField(allow_null=True)
    exhaustion_cause = serializers.ChoiceField(choices=Fund.ExhaustionCause.choices, allow_blank=True,
                                               help_text="remainder_zero 余额为零；declared 市经信局确认资金总额不足")


class FundListApi(ListAPIView):
    """Funds per year [staff]; the bureau sets a year's fund (POST)."""

    queryset = Fund.objects.none()
    serializer_class = FundOutput
    permission_classes = [has_role(*STAFF_ROLES)]

    class InputSerializer(serializers.Serializer):
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        total = MoneyField(help_text="年度资金总额（元），如 \"5000000.00\"")

    def get_queryset(self):
        return selectors.fund_list()

    @extend_schema(request=InputSerializer, responses={201: FundOutput, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fund = services.fund_create(actor=request.user, **data.validated_data)
        return Response(FundOutput(fund).data, status=201)


class VoucherTypeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField(source="get_category_display")
    face_value = MoneyField()
    count = serializers.IntegerField()
    remaining = serializers.IntegerField()


class BatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    valid_until = serializers.DateField()
    claimable = serializers.SerializerMethodField()
    voucher_types = VoucherTypeOutput(many=True)
    available_actions = serializers.SerializerMethodField()

    def get_claimable(self, obj) -> bool:
        return obj.is_claimable()

    def get_available_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        actions = available_actions(obj, user)
        if obj.is_claimable() and is_buyer(user):
            actions.append("claim")
        return actions


class BatchListApi(ListAPIView):
    """Published batches (staff also see drafts); the bureau creates a batch with its voucher types (POST)."""

    queryset = IssuanceBatch.objects.none()
    serializer_class = BatchOutput

    class InputSerializer(serializers.Serializer):
        class TypeInput(serializers.Serializer):
            category = serializers.ChoiceField(choices=ServiceCategory.choices)
            face_value = serializers.CharField()
            count = serializers.IntegerField(min_value=1)

        year = serializers.IntegerField(min_value=2000, max_value=2100)
        title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        opens_at = serializers.DateTimeField()
        closes_at = serializers.DateTimeField()
        valid_until = serializers.DateField(required=False, allow_null=True, default=None,
                                            help_text="默认当年 12 月 31 日")
        voucher_types = TypeInput(many=True)

    @extend_schema(parameters=[OpenApiParameter("year", int), OpenApiParameter("state", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        batches = selectors.batches_visible_to(user=self.request.user)
        year, state = self.request.query_params.get("year"), self.request.query_params.get("state")
        if year and year.isdigit():
            batches = batches.filter(year=int(year))
        return batches.filter(state=state) if state else batches

    @extend_schema(request=InputSerializer, responses={201: BatchOutput, **ERRORS,
                                                       409: rule_refusal("policy_not_in_force")})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_create(actor=request.user, **data.validated_data)
        return Response(BatchOutput(batch, context={"request": request}).data, status=201)


class BatchDetailApi(APIView):
    @extend_schema(responses={200: BatchOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        batch = selectors.batch_get(user=request.user, batch_id=pk)
        return Response(BatchOutput(batch, context={"request": request}).data)


class BatchOpenApi(APIView):
    @extend_schema(request=None, responses={200: BatchOutput, **ERRORS})
    def post(self, request, pk: int):
        services.batch_open(actor=request.user, batch_id=pk)
        batch = selectors.batch_get(user=request.user, batch_id=pk)
        return Response(BatchOutput(batch, context={"request": request}).data)


class BatchCloseApi(APIView):
    @extend_schema(request=None, responses={200: BatchOutput, **ERRORS})
    def post(self, request, pk: int):
        services.batch_close(actor=request.user, batch_id=pk)
        batch = selectors.batch_get(user=request.user, batch_id=pk)
        return Response(BatchOutput(batch, context={"request": request}).data)
