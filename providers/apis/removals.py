"""removals/ [service center, bureau]: 清退 proposals, confirm [bureau], announce, cancel."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.permissions import has_role
from hangqifu.accounts.roles import Role
from hangqifu.core.api import ErrorSerializer, Pagination
from hangqifu.core.errors import NotFound

from .. import selectors, services
from ..models import ProviderProfile, Removal, RemovalReason

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
STAFF = [has_role(Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU)]


class RemovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    provider = serializers.IntegerField(source="profile.organisation_id")
    provider_name = serializers.CharField(source="profile.organisation.name")
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    details = serializers.CharField()
    evidence = serializers.DictField()
    proposed_by = serializers.IntegerField(source="proposed_by_id", allow_null=True)
    proposed_at = serializers.DateTimeField()
    decision_opinion = serializers.CharField()
    notice = serializers.IntegerField(source="notice_id", allow_null=True)
    removed_at = serializers.DateTimeField(allow_null=True)
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, removal) -> list[str]:
        return selectors.removal_actions(removal, self.context["request"].user)


def _get(request, pk) -> Removal:
    removal = selectors.removals_for(user=request.user).filter(pk=pk).first()
    if removal is None:
        raise NotFound("清退记录不存在")
    return removal


def _detail(request, pk):
    return Response(RemovalSerializer(_get(request, pk), context={"request": request}).data)


class RemovalListApi(ListAPIView):
    permission_classes = STAFF
    queryset = Removal.objects.none()
    serializer_class = RemovalSerializer
    pagination_class = Pagination

    class InputSerializer(serializers.Serializer):
        provider = serializers.IntegerField(help_text="服务机构（组织）编号")
        reason = serializers.ChoiceField(choices=RemovalReason.choices)
        details = serializers.CharField()

    def get_queryset(self):
        queryset = selectors.removals_for(user=self.request.user)
        state = self.request.query_params.get("state")
        return queryset.filter(state=state) if state else queryset

    @extend_schema(request=InputSerializer, responses={201: RemovalSerializer, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = ProviderProfile.objects.filter(organisation_id=data.validated_data["provider"]).first()
        if profile is None:
            raise NotFound("该组织不是入驻服务机构")
        removal = services.removal_propose(actor=request.user, profile=profile, reason=data.validated_data["reason"],
                                           details=data.validated_data["details"])
        return Response(RemovalSerializer(removal, context={"request": request}).data, status=201)


class RemovalDetailApi(APIView):
    permission_classes = STAFF

    @extend_schema(responses={200: RemovalSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        return _detail(request, pk)


class RemovalOpinionInput(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class RemovalConfirmApi(APIView):
    """[bureau] confirm the removal."""
    permission_classes = STAFF

    @extend_schema(request=RemovalOpinionInput, responses={200: RemovalSerializer, **ERRORS})
    def post(self, request, pk):
        data = RemovalOpinionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.removal_confirm(actor=request.user, removal=_get(request, pk), **data.validated_data)
        return _detail(request, pk)


class RemovalAnnounceApi(APIView):
    """[service center, bureau] publish the announcement; removed when its window closes clear."""
    permission_classes = STAFF

    @extend_schema(request=None, responses={200: RemovalSerializer, **ERRORS})
    def post(self, request, pk):
        services.removal_announce(actor=request.user, removal=_get(request, pk))
        return _detail(request, pk)


class RemovalCancelApi(APIView):
    """[service center, bureau] cancel a proposal (opinion required)."""
    permission_classes = STAFF

    class InputSerializer(serializers.Serializer):
        opinion = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: RemovalSerializer, **ERRORS})
    def post(self, request, pk):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.removal_cancel(actor=request.user, removal=_get(request, pk), **data.validated_data)
        return _detail(request, pk)
