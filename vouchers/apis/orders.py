"""REST API of orders and deductions (API.md `orders/…`). Thin: parse, call one service, render.
The deduction honours Idempotency-Key."""
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField, idempotent, rule_refusal
from hangqifu.core.api_views import StepApi
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.serializers import DocumentSerializer, DocumentUploadSerializer

from ..models.orders import Order, Satisfaction
from ..selectors import orders as selectors
from ..services import deductions as deduction_services
from ..services import orders as services

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class _PartyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DeductionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    voucher = serializers.IntegerField(source="voucher_id")
    amount = MoneyField()
    order_amount = MoneyField()
    ratio = serializers.DecimalField(max_digits=4, decimal_places=3)
    year = serializers.IntegerField()
    declares_no_other_subsidy = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class OrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    year = serializers.IntegerField()
    buyer = _PartyOutput()
    provider = _PartyOutput()
    product = serializers.IntegerField(source="product_id")
    product_title = serializers.CharField()
    product_price = MoneyField()
    category = serializers.CharField()
    category_label = serializers.CharField(source="get_category_display")
    amount = MoneyField()
    buyer_size_class = serializers.CharField()
    signed_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    satisfaction = serializers.CharField()
    rating_comment = serializers.CharField()
    rated_at = serializers.DateTimeField(allow_null=True)
    deducted_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    deduction = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    def get_deduction(self, obj) -> dict | None:
        deduction = getattr(obj, "deduction", None) if obj.state != Order.State.CANCELLED else None
        return DeductionOutput(deduction).data if deduction is not None else None

    def get_available_actions(self, obj) -> list[str]:
        return selectors.order_actions(obj, self.context["request"].user)


class OrderDetailOutput(OrderOutput):
    documents = serializers.SerializerMethodField()
    commitment_letter_url = serializers.SerializerMethodField()

    def get_documents(self, obj) -> list[dict]:
        return DocumentSerializer(documents_for(obj), many=True).data

    def get_commitment_letter_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("api:order-commitment-letter", args=[obj.pk])


def _detail(request, pk) -> Response:
    order = selectors.order_get(user=request.user, order_id=pk)
    return Response(OrderDetailOutput(order, context={"request": request}).data)


class OrderListApi(ListAPIView):
    """Own orders (buyer), incoming orders (provider) or all (staff). POST [enterprise, park]: multipart
    `product`, `amount`, `contract` (file)."""

    queryset = Order.objects.none()
    serializer_class = OrderOutput
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        product = serializers.IntegerField()
        amount = serializers.CharField(help_text="合同实际金额（元），如 \"10000.00\"")
        contract = serializers.FileField(use_url=False)

    @extend_schema(parameters=[OpenApiParameter("state", str), OpenApiParameter("year", int)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.orders_for(user=self.request.user, state=params.get("state"), year=params.get("year"))

    @extend_schema(request=InputSerializer, responses={201: OrderDetailOutput, **ERRORS, 409: rule_refusal(
        "policy_not_in_force", "credit_listed", "not_eligible", "amount_over_price", "product_not_listed",
        "provider_not_admitted", "provider_cap_exceeded", "banned")})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_create(actor=request.user, product_id=data.validated_data["product"],
                                      amount=data.validated_data["amount"], contract=data.validated_data["contract"])
        return Response(OrderDetailOutput(order, context={"request": request}).data, status=201)


class OrderDetailApi(APIView):
    @extend_schema(responses={200: OrderDetailOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return _detail(request, pk)


class OrderCommitmentLetterApi(APIView):
    """划型及用券承诺书 (PDF) of the order, to stamp and upload back as `stamped_commitment_letter`."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ErrorSerializer})
    def get(self, request, pk: int):
        order = selectors.order_get(user=request.user, order_id=pk)
        response = HttpResponse(services.commitment_letter_pdf(order=order), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="commitment-letter-{order.number}.pdf"'
        return response


class OrderDocumentsApi(APIView):
    """The order's documents; POST multipart `kind` (buyer: `stamped_commitment_letter`; provider:
    `service_record`) and `file`."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(DocumentUploadSerializer):
        pass

    @extend_schema(responses={200: DocumentSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(DocumentSerializer(documents_for(selectors.order_get(user=request.user, order_id=pk)),
                                           many=True).data)

    @extend_schema(request=InputSerializer, responses={201: DocumentSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.order_document_add(actor=request.user, order_id=pk, kind=data.validated_data["kind"],
                                               uploaded_file=data.validated_data["file"])
        return Response(DocumentSerializer(document).data, status=201)


# A step of order `pk` (its service finds and locks the order); answers the order as the caller now sees it.
@extend_schema(responses={200: OrderDetailOutput, **ERRORS})
class _OrderStepApi(StepApi):
    target_name = "order_id"

    def target(self, request, pk):
        return pk

    def respond(self, request, pk):
        return _detail(request, pk)


class OrderCompleteApi(_OrderStepApi):
    """[provider] Service delivered: multipart `service_records` (one or more files; or upload them first
    through `documents/`) and an optional `note`."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        service_records = serializers.ListField(child=serializers.FileField(use_url=False), required=False,
                                                default=list)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    input_serializer = InputSerializer
    step = staticmethod(services.order_complete)


class OrderRateApi(_OrderStepApi):
    class InputSerializer(serializers.Serializer):
        satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    input_serializer = InputSerializer
    step = staticmethod(services.order_rate)


class OrderCancelApi(_OrderStepApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    input_serializer = InputSerializer
    step = staticmethod(services.order_cancel)


class OrderDeductApi(APIView):
    """[buyer] Apply a voucher to a rated order. Send an Idempotency-Key: a retry never deducts twice."""

    class InputSerializer(serializers.Serializer):
        voucher = serializers.IntegerField()
        amount = serializers.CharField(help_text="抵扣金额（元），不超过订单实际金额 × 年度抵扣比例")
        declares_no_other_subsidy = serializers.BooleanField(
            help_text="声明该订单未享受对标提升、创新券、数改券支持（第八条）")

    @extend_schema(request=InputSerializer, responses={200: OrderDetailOutput, **ERRORS, 409: rule_refusal(
        "policy_not_in_force", "credit_listed", "voucher_frozen", "year_mismatch", "not_rated", "already_deducted",
        "duplicate_subsidy", "voucher_expired", "category_mismatch", "deduction_over_ratio", "balance_exceeded",
        "quota_exceeded", "fund_remainder_exceeded", "fund_exhausted", "provider_cap_exceeded")},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)])
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exhausted = []

        def handler(store):
            rendered = []

            def render(order, deduction):
                # inside the deduction's transaction, before the provider's counter and the year's fund are
                # charged: the response and the idempotency record's copy of it are written here, so the hot
                # fund row is held only for its UPDATE, the service's RELEASE and COMMIT; the order is the
                # locked one.
                order.deduction = deduction
                rendered.append(Response(OrderDetailOutput(order, context={"request": request}).data))
                store(rendered[0])

            try:
                deduction_services.deduction_apply(actor=request.user, order_id=pk, schedule_voiding=False,
                                                   voucher_id=data.validated_data["voucher"],
                                                   amount=data.validated_data["amount"],
                                                   declares_no_other_subsidy=data.validated_data[
                                                       "declares_no_other_subsidy"], before_charge=render)
            except deduction_services.FundExhausted as exc:
                exhausted.append(exc.year)
                raise
            return rendered[0]

        try:
            return idempotent(request, handler, stores_early=True)
        finally:
            # The refused attempt was rolled back (with the idempotency record, if any); the year's voiding must
            # still happen — also when the refusal propagates as an exception (no Idempotency-Key).
            for year in exhausted:
                deduction_services.fund_exhaustion_schedule(year=year)


class DeductionQuoteApi(APIView):
    """The most the caller can deduct from the order now, and each limit behind it."""

    @extend_schema(responses={200: inline_serializer("DeductionQuote", {
        "maximum": MoneyField(),
        "limits": serializers.ListField(child=serializers.DictField()),
        "blockers": serializers.ListField(child=serializers.CharField()),
        "vouchers": serializers.ListField(child=serializers.DictField()),
    }), 404: ErrorSerializer})
    def get(self, request, pk: int):
        order = selectors.order_get(user=request.user, order_id=pk)
        quote = selectors.deduction_quote(order, request.user)
        return Response({
            "maximum": f"{quote.cap.maximum:.2f}",
            "limits": [{"reason": reason, "amount": f"{amount:.2f}"} for reason, amount in quote.cap.limits],
            "blockers": quote.cap.blockers,
            "vouchers": [{"id": v.pk, "number": v.number, "balance": f"{v.balance:.2f}",
                          "expires_on": v.expires_on, "maximum": f"{m:.2f}"} for v, m in quote.vouchers],
        })
