"""settlement-batches/, disbursement-orders/, district-payments/ (API.md)."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField, idempotent, read_again_response, visible_or_404
from hangqifu.core.errors import NotPermitted
from hangqifu.workflows.transitions import available_actions

from .. import permissions as perms
from .. import selectors
from ..models import DisbursementOrder, DistrictPayment, SettlementBatch
from ..services import payments as payment_services
from ..services import settlement as services
from ..views import batch_actions_for, disbursement_pdf_response, disbursement_xlsx_response
from .redemption_claims import IDEMPOTENCY

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class DisbursementOrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    batch = serializers.IntegerField(source="batch_id")
    district = serializers.CharField()
    district_label = serializers.CharField(source="get_district_display")
    total = MoneyField()
    provider_count = serializers.IntegerField()
    claim_count = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    def get_pdf_url(self, obj) -> str:
        return f"/api/v1/disbursement-orders/{obj.pk}/pdf/"

    def get_xlsx_url(self, obj) -> str:
        return f"/api/v1/disbursement-orders/{obj.pk}/xlsx/"


class SettlementBatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    sequence = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    payment_expected_on = serializers.DateField(allow_null=True)
    announcement = serializers.CharField()
    notice = serializers.IntegerField(source="notice_id", allow_null=True)
    progress = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    district_totals = serializers.SerializerMethodField()
    bureau_signed_by = serializers.CharField(source="bureau_signed_by.username", allow_null=True, default=None)
    finance_signed_by = serializers.CharField(source="finance_signed_by.username", allow_null=True, default=None)
    disbursement_orders = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    def get_progress(self, obj) -> dict:
        return {"running": obj.is_running, "done": obj.task_done, "total": obj.task_total,
                "percent": obj.progress_percent}

    def get_claims(self, obj) -> list[dict]:
        items = selectors.notice_item_states(obj)
        return [{"id": c.pk, "number": c.number, "provider": c.provider_id, "provider_name": c.provider.name,
                 "district": c.settlement_district, "verified_amount": f"{c.verified_amount:.2f}", "state": c.state,
                 "notice_item_state": items.get(c.pk)} for c in selectors.batch_claims(obj)]

    def get_total(self, obj) -> str:
        return f"{services.batch_total(obj):.2f}"

    def get_district_totals(self, obj) -> list[dict]:
        return [{"district": row["district"], "total": f"{row['total']:.2f}", "claims": row["claims"],
                 "providers": row["providers"]} for row in selectors.batch_district_totals(obj)]

    def get_disbursement_orders(self, obj) -> DisbursementOrderOutput(many=True):
        return DisbursementOrderOutput(obj.disbursement_orders.order_by("district"), many=True).data

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return [action for action, _label, reason in batch_actions_for(obj, getattr(request, "user", None))
                if not reason]


class SettlementBatchSummaryOutput(SettlementBatchOutput):
    """A batch in the list: its totals from the list query, without the claims (a batch may hold 100,000 of
    them); `GET settlement-batches/{id}/` has them."""

    claims = None
    district_totals = None
    disbursement_orders = None
    claim_count = serializers.IntegerField()

    def get_total(self, obj) -> str:
        return f"{obj.total or 0:.2f}"


def _batch(request, pk) -> SettlementBatch:
    return visible_or_404(selectors.batch_get_for, request, pk)


def _batch_response(request, batch, status=200):
    return read_again_response(selectors.batch_get_for, SettlementBatchOutput, request, batch, status)


class SettlementBatchListApi(GenericAPIView):
    """GET [staff]: batches. POST [service center] `{"period_start","period_end","payment_expected_on",
    "announcement"}`: open and announce a batch (第十三条)."""

    queryset = SettlementBatch.objects.none()
    serializer_class = SettlementBatchOutput

    class InputSerializer(serializers.Serializer):
        period_start = serializers.DateField()
        period_end = serializers.DateField()
        payment_expected_on = serializers.DateField(required=False, allow_null=True, default=None)
        announcement = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(responses={200: SettlementBatchSummaryOutput(many=True), **ERRORS})
    def get(self, request):
        if not perms.is_staff(request.user):
            raise NotPermitted("只有工作人员可以查看结算批次")
        page = self.paginate_queryset(selectors.batch_list_for(user=request.user).order_by("-year", "-sequence"))
        return self.get_paginated_response(
            SettlementBatchSummaryOutput(page, many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: SettlementBatchOutput, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_open(actor=request.user, **data.validated_data)
        return _batch_response(request, batch, status=201)


class SettlementBatchDetailApi(APIView):
    @extend_schema(responses={200: SettlementBatchOutput, **ERRORS})
    def get(self, request, pk: int):
        if not perms.is_staff(request.user):
            raise NotPermitted("只有工作人员可以查看结算批次")
        return _batch_response(request, _batch(request, pk))


class SettlementBatchActionApi(APIView):
    """close/ [service center] collects approved claims (task); approve/ [bureau]; publish/ [bureau] opens the
    public notice; sign/ [bureau first, then a different finance-bureau official] issues the disbursement
    orders (task); cancel/ [service center] ends a batch that collected nothing (409 `batch_not_empty`
    otherwise)."""

    action = ""

    @extend_schema(request=None, responses={200: SettlementBatchOutput, **ERRORS})
    def post(self, request, pk: int):
        if not perms.is_staff(request.user):
            raise NotPermitted("只有工作人员可以办理结算批次")
        batch = _batch(request, pk)
        service = {"close": services.batch_close, "approve": services.batch_approve,
                   "publish": services.batch_publish, "sign": services.batch_sign,
                   "cancel": services.batch_cancel}[self.action]
        service(batch=batch, actor=request.user)
        return _batch_response(request, batch)


def _disbursement(request, pk) -> DisbursementOrder:
    return visible_or_404(selectors.disbursement_get_for, request, pk)


class DisbursementOrderListApi(GenericAPIView):
    queryset = DisbursementOrder.objects.none()
    serializer_class = DisbursementOrderOutput

    @extend_schema(responses={200: DisbursementOrderOutput(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(selectors.disbursement_list_for(user=request.user).order_by("-year", "-sequence"))
        return self.get_paginated_response(DisbursementOrderOutput(page, many=True).data)


class DisbursementOrderDetailApi(APIView):
    @extend_schema(responses={200: DisbursementOrderOutput, **ERRORS})
    def get(self, request, pk: int):
        return Response(DisbursementOrderOutput(_disbursement(request, pk)).data)


class DisbursementOrderPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return disbursement_pdf_response(_disbursement(request, pk), user=request.user)


class DisbursementOrderXlsxApi(APIView):
    @extend_schema(responses={
        (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
        404: ErrorSerializer})
    def get(self, request, pk: int):
        return disbursement_xlsx_response(_disbursement(request, pk), user=request.user)


class DistrictPaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    batch = serializers.IntegerField(source="batch_id")
    disbursement_order = serializers.IntegerField(source="disbursement_order_id")
    disbursement_number = serializers.CharField(source="disbursement_order.number")
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name")
    district = serializers.CharField()
    amount = MoneyField()
    claim_count = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    reference = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    failure_reason = serializers.CharField()
    failure_count = serializers.IntegerField()
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_actions(obj, getattr(request, "user", None))


def _payment(request, pk) -> DistrictPayment:
    return visible_or_404(selectors.payment_get_for, request, pk)


def _payment_response(request, payment):
    return read_again_response(selectors.payment_get_for, DistrictPaymentOutput, request, payment)


class DistrictPaymentListApi(GenericAPIView):
    """GET: a district officer sees their own district's lines; a provider its own; staff all. Filter `state`."""

    queryset = DistrictPayment.objects.none()
    serializer_class = DistrictPaymentOutput

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=DistrictPayment.State.choices, required=False)
        batch = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: DistrictPaymentOutput(many=True), **ERRORS})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.payment_list_for(user=request.user, **filters.validated_data)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DistrictPaymentOutput(page, many=True, context={"request": request}).data)


class DistrictPaymentDetailApi(APIView):
    @extend_schema(responses={200: DistrictPaymentOutput, **ERRORS})
    def get(self, request, pk: int):
        return _payment_response(request, _payment(request, pk))


class DistrictPaymentConfirmApi(APIView):
    """POST [the line's district] `{"reference","paid_at"}`: the payment made through 亲清在线. Send an
    Idempotency-Key: a replay returns the first response and records nothing twice."""

    class InputSerializer(serializers.Serializer):
        reference = serializers.CharField(max_length=100)
        paid_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: DistrictPaymentOutput, **ERRORS}, parameters=[IDEMPOTENCY])
    def post(self, request, pk: int):
        payment = _payment(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def handler():
            payment_services.payment_confirm(payment=payment, actor=request.user, **data.validated_data)
            return _payment_response(request, payment)

        return idempotent(request, handler)


class DistrictPaymentFailApi(APIView):
    """POST [the line's district] `{"reason"}`: the payment failed; confirm it later when the retry succeeds."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(request=InputSerializer, responses={200: DistrictPaymentOutput, **ERRORS})
    def post(self, request, pk: int):
        payment = _payment(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_services.payment_fail(payment=payment, actor=request.user, reason=data.validated_data["reason"])
        return _payment_response(request, payment)
