"""Insight API: open data (public), fraud signals, money recovery, spot checks."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.permissions import IsStaffRole
from hangqifu.core.api import ErrorSerializer, MoneyField, state_field
from hangqifu.core.api_views import StepApi
from hangqifu.core.errors import NotFound, NotPermitted

from . import fraud, open_data, recovery, spot_checks
from .models import FraudSignal, Recovery, SpotCheck, SpotCheckItem
from .permissions import can_confirm_fraud


class OpenDataRowOutput(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    vouchers_claimed = serializers.IntegerField()
    face_value_total = MoneyField()
    deducted_total = MoneyField()


class OpenDataNoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)


class OpenDataApi(APIView):
    """GET [public] open-data/?year=: the programme's aggregate statistics (政务公开)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    class OutputSerializer(serializers.Serializer):
        year = serializers.IntegerField()
        fund_total = MoneyField()
        fund_deducted = MoneyField()
        vouchers_claimed = serializers.IntegerField()
        deducted_total = MoneyField()
        admitted_providers = serializers.IntegerField()
        listed_products = serializers.IntegerField()
        by_category = OpenDataRowOutput(many=True)
        by_district = OpenDataRowOutput(many=True)
        notices = OpenDataNoticeOutput(many=True)
        generated_at = serializers.DateTimeField()

    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer, 400: ErrorSerializer})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return Response(self.OutputSerializer(open_data.open_statistics(year=filters.validated_data.get("year"))).data)


class FraudSignalOutput(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name")
    reasons = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = FraudSignal
        fields = ["id", "rule", "subject_type", "subject_id", "organisation", "organisation_name", "score", "reasons",
                  "computed_for"]


class FraudSignalListApi(GenericAPIView):
    """GET [staff] fraud-signals/?rule=&subject_type=: the latest night's signals, highest score first."""

    permission_classes = [IsStaffRole]
    queryset = FraudSignal.objects.none()
    serializer_class = FraudSignalOutput

    class FilterSerializer(serializers.Serializer):
        rule = serializers.ChoiceField(choices=FraudSignal.Rule.choices, required=False)
        subject_type = serializers.ChoiceField(choices=FraudSignal.Subject.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: FraudSignalOutput(many=True), 403: ErrorSerializer})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(fraud.signal_list(**filters.validated_data))
        return self.get_paginated_response(FraudSignalOutput(page, many=True).data)


class RecoveryOutput(serializers.ModelSerializer):
    number = serializers.CharField()
    organisation_name = serializers.CharField(source="organisation.name")
    state = state_field(Recovery.State.choices)
    outstanding = MoneyField()
    orders = serializers.SerializerMethodField()
    repayments = serializers.SerializerMethodField()

    class Meta:
        model = Recovery
        fields = ["id", "number", "organisation", "organisation_name", "sanction", "reason", "amount", "repaid",
                  "outstanding", "state", "decided_at", "repaid_at", "orders", "repayments"]

    def get_orders(self, obj) -> list[dict]:
        return [{"order": line.order_id, "claim": line.claim_id, "amount": str(line.amount)}
                for line in obj.lines.all()]

    def get_repayments(self, obj) -> list[dict]:
        return [{"amount": str(p.amount), "reference": p.reference, "paid_on": p.paid_on.isoformat()}
                for p in obj.repayments.all()]


class RecoveryListApi(GenericAPIView):
    """GET: recoveries (staff: all; an organisation: its own). POST [bureau]: fraud confirmed (第二十条) →
    ban, recovery of the orders' deductions (ledger reversals), provider removal."""

    permission_classes = [IsAuthenticated]
    queryset = Recovery.objects.none()
    serializer_class = RecoveryOutput

    class InputSerializer(serializers.Serializer):
        organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
        reason = serializers.CharField(required=False, allow_blank=True, default="")
        orders = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
        claims = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
        ban_years = serializers.IntegerField(required=False, min_value=1, max_value=10)

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Recovery.State.choices, required=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: RecoveryOutput(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = recovery.recovery_list(user=request.user, state=filters.validated_data.get("state", ""))
        page = self.paginate_queryset(queryset.prefetch_related("lines", "repayments"))
        return self.get_paginated_response(RecoveryOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: RecoveryOutput, 400: ErrorSerializer,
                                                       403: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request):
        if not can_confirm_fraud(request.user):
            raise NotPermitted("只有市经信局可以认定违规套取资金并决定追回")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = recovery.fraud_confirm(actor=request.user, organisation=values["organisation"], reason=values["reason"],
                                      order_ids=values["orders"], claim_ids=values["claims"],
                                      ban_years=values.get("ban_years"))
        return Response(RecoveryOutput(item).data, status=201)


class RecoveryRepaymentApi(GenericAPIView):
    """POST [bureau, finance bureau] recoveries/{id}/repayments/ {"amount","reference","paid_on"}."""

    permission_classes = [IsStaffRole]
    queryset = Recovery.objects.none()
    serializer_class = RecoveryOutput

    class InputSerializer(serializers.Serializer):
        amount = serializers.CharField()
        reference = serializers.CharField(required=False, allow_blank=True, default="")
        paid_on = serializers.DateField()

    @extend_schema(request=InputSerializer, responses={200: RecoveryOutput, 400: ErrorSerializer,
                                                       403: ErrorSerializer, 404: ErrorSerializer,
                                                       409: ErrorSerializer})
    def post(self, request, pk: int):
        item = Recovery.objects.filter(pk=pk).first()
        if item is None:
            raise NotFound("资金追回记录不存在")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recovery.repayment_record(actor=request.user, recovery=item, **data.validated_data)
        return Response(RecoveryOutput(Recovery.objects.get(pk=pk)).data)


class SpotCheckOutput(serializers.ModelSerializer):
    number = serializers.CharField()
    state = state_field(SpotCheck.State.choices)
    items = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheck
        fields = ["id", "number", "title", "target", "method", "period_start", "period_end", "sample_size", "seed",
                  "population_size", "state", "sampled_at", "conclusion", "closed_at", "items"]

    def get_items(self, obj) -> list[dict]:
        return [{"id": i.pk, "position": i.position, "subject_id": i.subject_id, "organisation": i.organisation_id,
                 "amount": str(i.amount), "risk_score": i.risk_score, "finding": i.finding, "notes": i.notes}
                for i in obj.items.all()]


class SpotCheckListApi(GenericAPIView):
    """GET [staff] spot-checks/ · POST [staff] {"title","target","method","period_start","period_end",
    "sample_size","seed"?} (seed recorded; omitted → generated)."""

    permission_classes = [IsStaffRole]
    queryset = SpotCheck.objects.none()
    serializer_class = SpotCheckOutput

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField()
        target = serializers.ChoiceField(choices=SpotCheck.Target.choices)
        method = serializers.ChoiceField(choices=SpotCheck.Method.choices, default=SpotCheck.Method.UNIFORM)
        period_start = serializers.DateField()
        period_end = serializers.DateField()
        sample_size = serializers.IntegerField(min_value=1)
        seed = serializers.IntegerField(required=False, min_value=0, max_value=spot_checks.MAX_SEED)

    @extend_schema(responses={200: SpotCheckOutput(many=True), 403: ErrorSerializer})
    def get(self, request):
        page = self.paginate_queryset(SpotCheck.objects.prefetch_related("items"))
        return self.get_paginated_response(SpotCheckOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: SpotCheckOutput, 400: ErrorSerializer,
                                                       403: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = spot_checks.spot_check_create(actor=request.user, **data.validated_data)
        return Response(SpotCheckOutput(check).data, status=201)


def _spot_check(pk) -> SpotCheck:
    check = SpotCheck.objects.filter(pk=pk).first()
    if check is None:
        raise NotFound("抽查不存在")
    return check


# A step of spot check `pk` (staff); answers the check as it is now.
class _SpotCheckStepApi(StepApi):
    permission_classes = [IsStaffRole]
    target_name = "check"

    def target(self, request, pk):
        return _spot_check(pk)

    def respond(self, request, check):
        return Response(SpotCheckOutput(SpotCheck.objects.get(pk=check.pk)).data)


@extend_schema(responses={200: SpotCheckOutput, 404: ErrorSerializer, 409: ErrorSerializer})
class SpotCheckDrawApi(_SpotCheckStepApi):
    """POST [staff] spot-checks/{id}/draw/: draw the sample from the recorded seed."""

    step = staticmethod(spot_checks.spot_check_draw)


class SpotCheckFindingApi(GenericAPIView):
    """POST [staff] spot-checks/{id}/items/{item}/ {"finding","notes"} (evidence files: the page)."""

    permission_classes = [IsStaffRole]
    queryset = SpotCheck.objects.none()
    serializer_class = SpotCheckOutput

    class InputSerializer(serializers.Serializer):
        finding = serializers.ChoiceField(choices=[SpotCheckItem.Finding.COMPLIANT, SpotCheckItem.Finding.ISSUE])
        notes = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: SpotCheckOutput, 400: ErrorSerializer,
                                                       404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, pk: int, item_pk: int):
        check = _spot_check(pk)
        item = check.items.filter(pk=item_pk).first()
        if item is None:
            raise NotFound("样本不存在")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spot_checks.spot_check_item_record(actor=request.user, item=item, **data.validated_data)
        return Response(SpotCheckOutput(check).data)


@extend_schema(responses={200: SpotCheckOutput, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
class SpotCheckCloseApi(_SpotCheckStepApi):
    """POST [staff] spot-checks/{id}/close/ {"conclusion"}: closes the check and stores the report PDF."""

    class InputSerializer(serializers.Serializer):
        conclusion = serializers.CharField(required=False, allow_blank=True, default="")

    input_serializer = InputSerializer
    step = staticmethod(spot_checks.spot_check_close)
