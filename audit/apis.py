"""Supervision API: sanctions, complaints, the audit trail (API.md)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from hangqifu.accounts.models import Organisation
from hangqifu.core import clock
from hangqifu.core.api import ErrorSerializer
from hangqifu.core.errors import NotFound, NotPermitted
from hangqifu.core.throttle import PublicFormThrottle

from . import complaints, labels, sanctions, selectors
from .models import AuditEvent, Complaint, Sanction
from .permissions import IsStaffRole, can_handle_complaints, can_sanction, is_staff_user


def _state_field(choices, **kwargs):
    """The FSM state id as a plain string (OpenAPI: one description per workflow, no colliding "state" enums)."""
    values = "、".join(f"{value}（{label}）" for value, label in choices)
    return serializers.CharField(help_text=f"状态：{values}", **kwargs)


def _valid_state(value, choices):
    if value and value not in dict(choices):
        raise serializers.ValidationError("无效的状态")
    return value


class SanctionOutput(serializers.ModelSerializer):
    state = _state_field(Sanction.State.choices)
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
        user = getattr(request, "user", None)
        return ["lift"] if obj.state == Sanction.State.ACTIVE and can_sanction(user) else []


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
        state = _state_field(Sanction.State.choices, required=False)

        def validate_state(self, value):
            return _valid_state(value, Sanction.State.choices)

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


class SanctionLiftApi(GenericAPIView):
    """POST [bureau] sanctions/{id}/lift/ {"reason"}: the decision is overturned."""

    permission_classes = [IsStaffRole]
    queryset = Sanction.objects.none()
    serializer_class = SanctionOutput

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: SanctionOutput, 400: ErrorSerializer, 403: ErrorSerializer,
                                                       404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, pk: int):
        sanction = selectors.sanction_list().filter(pk=pk).first()
        if sanction is None:
            raise NotFound("处理决定不存在")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sanction = sanctions.sanction_lift(actor=request.user, sanction=sanction, reason=data.validated_data["reason"])
        return Response(SanctionOutput(sanction, context={"request": request}).data)


# --- complaints ---------------------------------------------------------------------------------------------

class ComplaintOutput(serializers.ModelSerializer):
    """What the complainant and staff see. Never says whether the object named exists."""

    state = _state_field(Complaint.State.choices)
    handler = serializers.CharField(source="handler.username", default=None, allow_null=True)
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "tracking_number", "state", "subject", "content", "object_type", "object_id", "filed_at",
                  "due_on", "due_on_provisional", "handler", "investigation_started_at", "findings", "closed_at",
                  "available_actions"]

    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not can_handle_complaints(user) or not obj.is_open:
            return []
        if obj.state == Complaint.State.RECEIVED:
            return ["start-investigation", "assign"]
        return ["resolve", "dismiss", "assign"] if obj.handler_id == user.pk else ["assign"]


class StaffComplaintOutput(ComplaintOutput):
    complainant_name = serializers.CharField()
    contact = serializers.CharField()
    overdue = serializers.SerializerMethodField()

    class Meta(ComplaintOutput.Meta):
        fields = [*ComplaintOutput.Meta.fields, "complainant_name", "contact", "overdue"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


def _complaint_output(complaint, request):
    cls = StaffComplaintOutput if is_staff_user(request.user) else ComplaintOutput
    return cls(complaint, context={"request": request}).data


class ComplaintListApi(GenericAPIView):
    """POST [anyone, no login needed]: file a complaint (public: `name` and `contact` required).
    GET: staff see all complaints, others their own."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicFormThrottle, *api_settings.DEFAULT_THROTTLE_CLASSES]
    throttle_scope = "public_form"
    queryset = Complaint.objects.none()
    serializer_class = ComplaintOutput

    class InputSerializer(serializers.Serializer):
        subject = serializers.CharField(required=False, allow_blank=True, default="")
        content = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
        contact = serializers.CharField(required=False, allow_blank=True, default="")
        name = serializers.CharField(required=False, allow_blank=True, default="")
        object_type = serializers.CharField(required=False, allow_blank=True, default="")
        object_id = serializers.CharField(required=False, allow_blank=True, default="")

    class FilterSerializer(serializers.Serializer):
        state = _state_field(Complaint.State.choices, required=False)

        def validate_state(self, value):
            return _valid_state(value, Complaint.State.choices)
        overdue = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: ComplaintOutput(many=True), 401: ErrorSerializer},
                   description="Staff roles see every complaint, with `complainant_name`, `contact` and `overdue` "
                               "added to each item (StaffComplaintOutput); others see their own (ComplaintOutput).")
    def get(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if is_staff_user(request.user):
            queryset = selectors.complaint_list(state=filters.validated_data.get("state"),
                                                overdue=filters.validated_data["overdue"])
            output = StaffComplaintOutput
        else:
            queryset = selectors.complaints_of(user=request.user)
            if filters.validated_data.get("state"):
                queryset = queryset.filter(state=filters.validated_data["state"])
            output = ComplaintOutput
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(output(page, many=True, context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={201: ComplaintOutput, 400: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaints.complaint_file(actor=request.user, **data.validated_data)
        return Response(_complaint_output(complaint, request), status=201)


class ComplaintDetailApi(GenericAPIView):
    """GET: the complainant or staff (others: 404)."""

    queryset = Complaint.objects.none()
    serializer_class = StaffComplaintOutput

    @extend_schema(responses={200: StaffComplaintOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        complaint = selectors.complaint_for(user=request.user, pk=pk)
        if complaint is None:
            raise NotFound("投诉不存在")
        return Response(_complaint_output(complaint, request))


class ComplaintTransitionApi(GenericAPIView):
    """POST complaints/{id}/<action>/ [service center]: start-investigation {"handler"?}, assign {"handler"},
    resolve / dismiss {"findings"}."""

    queryset = Complaint.objects.none()
    serializer_class = StaffComplaintOutput

    class InputSerializer(serializers.Serializer):
        findings = serializers.CharField(required=False, allow_blank=True, default="")
        handler = serializers.PrimaryKeyRelatedField(queryset=complaints.complaint_handlers(), required=False,
                                                     allow_null=True, default=None)

    ACTIONS = {
        "start-investigation": lambda actor, c, d: complaints.complaint_start_investigation(
            actor=actor, complaint=c, handler=d["handler"]),
        "assign": lambda actor, c, d: complaints.complaint_assign(actor=actor, complaint=c, handler=d["handler"]),
        "resolve": lambda actor, c, d: complaints.complaint_resolve(actor=actor, complaint=c, findings=d["findings"]),
        "dismiss": lambda actor, c, d: complaints.complaint_dismiss(actor=actor, complaint=c, findings=d["findings"]),
    }

    @extend_schema(operation_id="complaints_transition", request=InputSerializer,
                   responses={200: StaffComplaintOutput, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, pk: int, action: str):
        complaint = selectors.complaint_for(user=request.user, pk=pk)
        if complaint is None or action not in self.ACTIONS:
            raise NotFound("投诉不存在")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = self.ACTIONS[action](request.user, complaint, data.validated_data)
        return Response(_complaint_output(complaint, request))


# --- the audit trail ----------------------------------------------------------------------------------------

class AuditEventOutput(serializers.ModelSerializer):
    """The stable codes, and beside them what a person reads (audit/labels.py): `action_label` (抵扣服务券),
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
