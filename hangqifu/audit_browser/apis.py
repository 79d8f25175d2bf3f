"""The audit trail API (API.md)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from hangqifu.accounts.permissions import IsStaffRole
from hangqifu.audit import labels, selectors
from hangqifu.audit.models import AuditEvent
from hangqifu.core.api import ErrorSerializer


class AuditEventOutput(serializers.ModelSerializer):
    """The stable codes, and beside them what a person reads (hangqifu/audit/labels.py): `action_label` (抵扣服务券),
    `object_label` (服务券资格 #3), `from_state_label` / `to_state_label`."""
    organisation_name = serializers.CharField(source="organisation.name", default=None, allow_null=True)
    action_label = serializers.SerializerMethodField()
    object_label = serializers.SerializerMethodField()
    from_state_label = serializers.SerializerMethodField()
    to_state_label = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["id", "occurred_at", "business_time", "actor", "actor_username", "organisation",
                  "organisation_name", "action", "action_label", "object_type", "object_id", "object_label",
                  "from_state", "from_state_label", "to_state", "to_state_label", "payload", "ip", "prev_hash",
                  "hash", "chain"]

    def get_action_label(self, event) -> str:
        return labels.action_label(event.action)

    def get_object_label(self, event) -> str:
        return labels.object_label(event.object_type, event.object_id)

    def get_from_state_label(self, event) -> str:
        return labels.state_label(event.object_type, event.from_state)

    def get_to_state_label(self, event) -> str:
        return labels.state_label(event.object_type, event.to_state)


class AuditEventListApi(GenericAPIView):
    """GET [staff roles only]: the audit trail, newest first. `action` matches a code prefix or part of an action's
    Chinese name (抵扣 finds order.deduct), `actor` a username,
    `organisation` an id; `since`/`until` are business dates (inclusive)."""

    permission_classes = [IsStaffRole]
    queryset = AuditEvent.objects.none()
    serializer_class = AuditEventOutput

    class FilterSerializer(serializers.Serializer):
        object_type = serializers.CharField(required=False, default="")
        object_id = serializers.CharField(required=False, default="")
        actor = serializers.CharField(required=False, default="")
        action = serializers.CharField(required=False, default="")
        organisation = serializers.IntegerField(required=False, allow_null=True, default=None)
        since = serializers.DateField(required=False, allow_null=True, default=None)
        until = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(parameters=[FilterSerializer], responses={200: AuditEventOutput(many=True), 400: ErrorSerializer,
                                                             403: ErrorSerializer})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.audit_event_search(**filters.validated_data))
        return self.get_paginated_response(AuditEventOutput(page, many=True).data)
