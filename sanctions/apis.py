"""Sanctions API (API.md): the bureau's decisions under 第二十条."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from hangqifu.accounts.models import Organisation
from hangqifu.accounts.permissions import IsStaffRole
from hangqifu.core import clock
from hangqifu.core.api import ErrorSerializer, state_field, valid_state
from hangqifu.core.api_views import StepApi
from hangqifu.core.errors import NotFound, NotPermitted
from hangqifu.workflows.transitions import available_actions

from . import selectors
from . import services as sanctions
from .models import Sanction
from .permissions import can_sanction


class SanctionOutput(serializers.ModelSerializer):
    state = state_field(Sanction.State.choices)
    organisation_name = serializers.CharField(source="organisation.name")
    decided_by = serializers.CharField(source="decided_by.username")
    in_force = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Sanction
        fields = ["id", "organisation", "organisation_name", "reason", "ban_years", "starts_on", "ends_on", "state",
                  "in_force", "decided_by", "decided_at", "lifted_at", "lift_reason", "available_actions"]

    def get_in_force(self, obj) -> bool:
        return obj.covers(clock.today())

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return available_actions(obj, getattr(request, "user", None))


class SanctionListApi(GenericAPIView):
    """GET [staff]: the decisions, filterable by organisation and state. POST [bureau]: impose a ban (第二十条)."""

    permission_classes = [IsStaffRole]
    queryset = Sanction.objects.none()
    serializer_class = SanctionOutput

    class InputSerializer(serializers.Serializer):
        organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
        reason = serializers.CharField(required=False, allow_blank=True, default="")
        ban_years = serializers.IntegerField(required=False, min_value=1, max_value=sanctions.MAX_BAN_YEARS)

    class FilterSerializer(serializers.Serializer):
        organisation = serializers.IntegerField(required=False)
        state = state_field(Sanction.State.choices, required=False)

        def validate_state(self, value):
            return valid_state(value, Sanction.State.choices)

    @extend_schema(parameters=[FilterSerializer], responses={200: SanctionOutput(many=True), 403: ErrorSerializer})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.sanction_list(organisation_id=filters.validated_data.get("organisation"),
                                           state=filters.validated_data.get("state"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(SanctionOutput(page, many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: SanctionOutput, 400: ErrorSerializer,
                                                       403: ErrorSerializer})
    def post(self, request):
        if not can_sanction(request.user):
            raise NotPermitted("只有市经信局可以作出违规处理决定")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sanction = sanctions.sanction_impose(actor=request.user, **data.validated_data)
        return Response(SanctionOutput(sanction, context={"request": request}).data, status=201)


@extend_schema(responses={200: SanctionOutput, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                          409: ErrorSerializer})
class SanctionLiftApi(StepApi):
    """POST [bureau] sanctions/{id}/lift/ {"reason"}: the decision is overturned."""

    permission_classes = [IsStaffRole]
    target_name = "sanction"

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    input_serializer = InputSerializer
    step = staticmethod(sanctions.sanction_lift)

    def target(self, request, pk):
        sanction = selectors.sanction_list().filter(pk=pk).first()
        if sanction is None:
            raise NotFound("处理决定不存在")
        return sanction

    def respond(self, request, sanction):
        sanction = selectors.sanction_list().get(pk=sanction.pk)
        return Response(SanctionOutput(sanction, context={"request": request}).data)
