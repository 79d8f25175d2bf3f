"""redemption-claims/ (API.md): providers file; the service center pre-reviews; the bureau approves."""
from django_fsm import can_proceed, has_transition_perm
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField, idempotent, read_again_response, visible_or_404
from hangqifu.core.errors import InvalidInput, NotPermitted
from hangqifu.documents.selectors import documents_for

from .. import permissions as perms
from .. import selectors
from ..models import CLAIM_DOCUMENT_KINDS, REQUIRED_DOCUMENT_KINDS, RedemptionClaim
from ..services import redemption_claims as services
from ..services.cap import cap_status

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                               description="重放同一 Key 返回首次结果且不重复执行")

# API action → model transition deciding whether it is offered to the caller.
CLAIM_ACTIONS = {"submit": "submit", "pre-review": "pre_review", "approve": "approve",
                 "return": "return_for_correction", "reject": "reject", "withdraw": "withdraw"}


def claim_actions(claim: RedemptionClaim, user) -> list[str]:
    result = []
    for action, method in CLAIM_ACTIONS.items():
        transition = getattr(claim, method)
        if can_proceed(transition) and has_transition_perm(transition, user):
            result.append(action)
    if "pre-review" in result and "return" not in result:
        result.append("return")
    return result


class RedemptionClaimLineOutput(serializers.Serializer):
    order = serializers.IntegerField(source="order_id")
    order_number = serializers.CharField(source="order.number")
    order_amount = serializers.DecimalField(source="order.amount", max_digits=14, decimal_places=2)
    deduction_amount = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)
    invoice_number = serializers.CharField()
    invoice_amount = MoneyField()
    verified_amount = MoneyField(allow_null=True)


class RedemptionClaimOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name")
    claimed_amount = MoneyField()
    verified_amount = MoneyField(allow_null=True)
    is_public_institution = serializers.BooleanField()
    lines = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    missing_documents = serializers.SerializerMethodField()
    pre_review_opinion = serializers.CharField()
    decision_opinion = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    pre_reviewed_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    batch = serializers.IntegerField(source="batch_id", allow_null=True)
    settlement_district = serializers.CharField(
        allow_null=True, help_text="拨付区县：批次归集该申请时服务机构所在区县（只读；不在批次中时为 null）")
    under_investigation = serializers.BooleanField()
    payment = serializers.SerializerMethodField()
    paid_at = serializers.DateTimeField(allow_null=True)
    available_actions = serializers.SerializerMethodField()

    def get_lines(self, obj) -> RedemptionClaimLineOutput(many=True):
        return RedemptionClaimLineOutput(obj.lines.all(), many=True).data

    def _documents(self, obj):
        by_claim = self.context.get("documents")
        return by_claim.get(obj.pk, []) if by_claim is not None else list(documents_for(obj))

    def get_documents(self, obj) -> list[dict]:
        return [{"id": d.pk, "kind": d.kind, "kind_label": d.kind_label, "name": d.original_name,
                 "url": d.get_absolute_url()} for d in self._documents(obj)]

    def get_missing_documents(self, obj) -> list[str]:
        present = {d.kind for d in self._documents(obj)}
        return [kind for kind in REQUIRED_DOCUMENT_KINDS if kind not in present]

    def get_payment(self, obj) -> dict | None:
        payment = obj.payment
        if payment is None:
            return None
        return {"id": payment.pk, "district": payment.district, "state": payment.state,
                "reference": payment.reference, "paid_at": payment.paid_at}

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return claim_actions(obj, getattr(request, "user", None))


def _claim(request, pk) -> RedemptionClaim:
    return visible_or_404(selectors.claim_get_for, request, pk)


def _respond(request, claim, status=200):
    return read_again_response(selectors.claim_get_for, RedemptionClaimOutput, request, claim, status)


class RedemptionClaimListApi(GenericAPIView):
    """GET: own claims (provider) or all (staff), filter `state`. POST [provider]: a draft claim for deducted
    orders; each `invoice_amount` must equal the order amount − its deduction (code `invoice_mismatch`)."""

    queryset = RedemptionClaim.objects.none()
    serializer_class = RedemptionClaimOutput

    class InputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            order = serializers.IntegerField()
            invoice_number = serializers.CharField(max_length=50)
            invoice_amount = serializers.CharField(help_text="两位小数的金额字符串")

        orders = LineSerializer(many=True)
        is_public_institution = serializers.BooleanField(required=False, default=False)

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=RedemptionClaim.State.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: RedemptionClaimOutput(many=True), **ERRORS})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.claim_list_for(user=request.user, state=filters.validated_data.get("state"))
        page = self.paginate_queryset(queryset)
        context = {"request": request, "documents": selectors.documents_by_claim(page)}
        return self.get_paginated_response(RedemptionClaimOutput(page, many=True, context=context).data)

    @extend_schema(request=InputSerializer, responses={201: RedemptionClaimOutput, **ERRORS},
                   parameters=[IDEMPOTENCY])
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def handler():
            claim = services.claim_create(actor=request.user, lines=[dict(line) for line in data.validated_data["orders"]],
                                          is_public_institution=data.validated_data["is_public_institution"])
            return _respond(request, claim, status=201)

        return idempotent(request, handler)


class RedemptionClaimDetailApi(APIView):
    @extend_schema(responses={200: RedemptionClaimOutput, **ERRORS})
    def get(self, request, pk: int):
        return _respond(request, _claim(request, pk))


class RedemptionClaimDocumentApi(APIView):
    """POST [owner, draft/returned]: multipart `kind` (contract, invoice, bank_receipt, commitment_letter,
    service_evidence, other) and `file` (PDF/JPG/PNG, checked by content)."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=CLAIM_DOCUMENT_KINDS)
        file = serializers.FileField()

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: RedemptionClaimOutput, **ERRORS})
    def post(self, request, pk: int):
        claim = _claim(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.claim_document_add(claim=claim, actor=request.user, kind=data.validated_data["kind"],
                                    uploaded_file=data.validated_data["file"])
        return _respond(request, claim, status=201)


class RedemptionClaimSubmitApi(APIView):
    @extend_schema(request=None, responses={200: RedemptionClaimOutput, **ERRORS}, parameters=[IDEMPOTENCY])
    def post(self, request, pk: int):
        claim = _claim(request, pk)
        return idempotent(request, lambda: _respond(request, services.claim_submit(claim=claim, actor=request.user)))


class RedemptionClaimPreReviewApi(APIView):
    """POST [service center] `{"passed","opinion","lines":[{"order","verified_amount"}]}`: passed → the verified
    amount per order (default: its deduction); not passed → returned for correction (opinion required)."""

    class InputSerializer(serializers.Serializer):
        class VerifiedSerializer(serializers.Serializer):
            order = serializers.IntegerField()
            verified_amount = MoneyField(min_value=0)

        passed = serializers.BooleanField()
        opinion = serializers.CharField(required=False, allow_blank=True, default="")
        lines = VerifiedSerializer(many=True, required=False, default=list)

    @extend_schema(request=InputSerializer, responses={200: RedemptionClaimOutput, **ERRORS})
    def post(self, request, pk: int):
        claim = _claim(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verified = {line["order"]: line["verified_amount"] for line in data.validated_data["lines"]}
        claim = services.claim_pre_review(claim=claim, actor=request.user, passed=data.validated_data["passed"],
                                          opinion=data.validated_data["opinion"], verified=verified)
        return _respond(request, claim)


class RedemptionClaimDecisionApi(APIView):
    """approve/ [bureau] `{"opinion"}` (counts against the provider's annual cap: `provider_cap_exceeded`);
    return/ and reject/ [service center or bureau] `{"opinion"}` (required); withdraw/ [owner]."""

    action = ""

    class InputSerializer(serializers.Serializer):
        opinion = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: RedemptionClaimOutput, **ERRORS})
    def post(self, request, pk: int):
        claim = _claim(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opinion = data.validated_data["opinion"]
        if self.action == "approve":
            claim = services.claim_approve(claim=claim, actor=request.user, opinion=opinion)
        elif self.action == "return":
            claim = services.claim_return(claim=claim, actor=request.user, opinion=opinion)
        elif self.action == "reject":
            claim = services.claim_reject(claim=claim, actor=request.user, opinion=opinion)
        elif self.action == "withdraw":
            claim = services.claim_withdraw(claim=claim, actor=request.user)
        else:  # pragma: no cover
            raise InvalidInput()
        return _respond(request, claim)


class RedemptionCapOutput(serializers.Serializer):
    year = serializers.IntegerField()
    cap = MoneyField()
    used = MoneyField()
    remaining = MoneyField()
    pending = MoneyField()
    deducted = MoneyField(help_text="本服务年度已抵扣合计（含已审批、审核中和尚未申请兑付的金额；抵扣时即按上限控制）")


class RedemptionCapApi(APIView):
    """GET [provider]: this year's cap (第十二条), approved so far, remaining and claims under review."""

    @extend_schema(parameters=[OpenApiParameter("year", int, required=False)],
                   responses={200: RedemptionCapOutput, **ERRORS})
    def get(self, request):
        if not perms.is_provider(request.user):
            raise NotPermitted("只有服务机构可以查看本机构的兑付额度")
        try:
            year = int(request.query_params["year"]) if request.query_params.get("year") else None
        except ValueError:
            raise InvalidInput("年度格式不正确") from None
        status = cap_status(provider=request.user.organisation, year=year)
        return Response(RedemptionCapOutput(status).data)
