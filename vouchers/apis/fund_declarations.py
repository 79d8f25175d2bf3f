"""REST API of the bureau's two-person declaration that a year's fund is insufficient (第四条)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.permissions import has_role
from hangqifu.accounts.roles import STAFF_ROLES
from hangqifu.core.api import ErrorSerializer, MoneyField, rule_refusal
from hangqifu.core.errors import NotFound

from ..models.fund_declarations import FundInsufficiencyDeclaration as Declaration
from ..models.funds import Fund
from ..services import fund_declarations as services

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class DeclarationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField(source="fund.year")
    state = serializers.ChoiceField(choices=Declaration.State.choices)
    state_label = serializers.CharField(source="get_state_display")
    reason = serializers.CharField()
    remainder_at_proposal = MoneyField()
    live_count_at_proposal = serializers.IntegerField()
    live_balance_at_proposal = MoneyField()
    proposed_by = serializers.CharField(source="proposed_by.username")
    proposed_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    remainder_at_decision = MoneyField(allow_null=True)
    voided_count = serializers.IntegerField(allow_null=True)
    voided_amount = MoneyField(allow_null=True)
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        return [t.name for t in obj.get_available_state_transitions() if t.has_perm(obj, user)]


def _declarations(year: int):
    return Declaration.objects.filter(fund__year=year).select_related("fund", "proposed_by", "decided_by")


class FundInsufficiencyListApi(APIView):
    """[staff] The year's declarations; [bureau] propose one `{"reason"}` — a different bureau official confirms."""

    permission_classes = [has_role(*STAFF_ROLES)]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="认定资金总额不足的理由")

    @extend_schema(responses={200: DeclarationOutput(many=True), **ERRORS})
    def get(self, request, year: int):
        if not Fund.objects.filter(year=year).exists():
            raise NotFound(f"{year} 年度服务券资金不存在")
        return Response(DeclarationOutput(_declarations(year), many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: DeclarationOutput, **ERRORS,
                                                       409: rule_refusal("fund_exhausted", "declaration_pending")})
    def post(self, request, year: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = services.insufficiency_propose(actor=request.user, year=year, reason=data.validated_data["reason"])
        return Response(DeclarationOutput(_declarations(year).get(pk=declaration.pk),
                                          context={"request": request}).data, status=201)


class _DecisionApi(APIView):
    permission_classes = [has_role(*STAFF_ROLES)]
    service = None

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = type(self).service(actor=request.user, declaration_id=pk, note=data.validated_data["note"])
        return Response(DeclarationOutput(_declarations(declaration.fund.year).get(pk=declaration.pk),
                                          context={"request": request}).data)


class FundInsufficiencyConfirmApi(_DecisionApi):
    """[bureau, not the proposer] Confirm: the fund is exhausted from now; the year's unused vouchers are voided."""

    service = staticmethod(services.insufficiency_confirm)

    @extend_schema(request=_DecisionApi.InputSerializer, responses={200: DeclarationOutput, **ERRORS,
                                                                    409: rule_refusal("invalid_transition")})
    def post(self, request, pk: int):
        return super().post(request, pk)


class FundInsufficiencyWithdrawApi(_DecisionApi):
    """[bureau] Withdraw an open proposal."""

    service = staticmethod(services.insufficiency_withdraw)

    @extend_schema(request=_DecisionApi.InputSerializer, responses={200: DeclarationOutput, **ERRORS,
                                                                    409: rule_refusal("invalid_transition")})
    def post(self, request, pk: int):
        return super().post(request, pk)
