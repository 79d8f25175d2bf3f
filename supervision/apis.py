"""Complaints API (API.md)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from hangqifu.accounts.predicates import is_staff
from hangqifu.core.api import ErrorSerializer, state_field, valid_state
from hangqifu.core.api_views import StepApi
from hangqifu.core.errors import NotFound
from hangqifu.core.throttle import PublicFormThrottle

from . import complaints, selectors
from .models import Complaint


class ComplaintOutput(serializers.ModelSerializer):
    """What the complainant and staff see. Never says whether the object named exists."""

    state = state_field(Complaint.State.choices)
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
        return complaints.complaint_actions(obj, user)


class StaffComplaintOutput(ComplaintOutput):
    complainant_name = serializers.CharField()
    contact = serializers.CharField()
    overdue = serializers.SerializerMethodField()

    class Meta(ComplaintOutput.Meta):
        fields = [*ComplaintOutput.Meta.fields, "complainant_name", "contact", "overdue"]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


def _complaint_output(complaint, request):
    cls = StaffComplaintOutput if is_staff(request.user) else ComplaintOutput
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
        state = state_field(Complaint.State.choices, required=False)

        def validate_state(self, value):
            return valid_state(value, Complaint.State.choices)
        overdue = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[FilterSerializer], responses={200: ComplaintOutput(many=True), 401: ErrorSerializer},
                   description="Staff roles see every complaint, with `complainant_name`, `contact` and `overdue` "
                               "added to each item (StaffComplaintOutput); others see their own (ComplaintOutput).")
    def get(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if is_staff(request.user):
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


class ComplaintHandlerInput(serializers.Serializer):
    handler = serializers.PrimaryKeyRelatedField(queryset=complaints.complaint_handlers(), required=False,
                                                 allow_null=True, default=None,
                                                 help_text="经办人（市工信服务中心工作人员）；开始调查时不填为本人")


class ComplaintFindingsInput(serializers.Serializer):
    findings = serializers.CharField(required=False, allow_blank=True, default="", help_text="调查结论")


STEP_RESPONSES = {200: StaffComplaintOutput, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                  409: ErrorSerializer}


# A step of a complaint the caller may see (others: 404), answered with the complaint as it is now.
class ComplaintStepApi(StepApi):
    target_name = "complaint"

    def target(self, request, pk):
        complaint = selectors.complaint_for(user=request.user, pk=pk)
        if complaint is None:
            raise NotFound("投诉不存在")
        return complaint

    def respond(self, request, complaint):
        return Response(_complaint_output(selectors.complaint_for(user=request.user, pk=complaint.pk), request))


@extend_schema(request=ComplaintHandlerInput, responses=STEP_RESPONSES)
class ComplaintStartInvestigationApi(ComplaintStepApi):
    """POST complaints/{id}/start-investigation/ [service center] {"handler"?}: start the investigation (the caller
    handles it unless a colleague is named)."""

    input_serializer = ComplaintHandlerInput
    step = staticmethod(complaints.complaint_start_investigation)


@extend_schema(request=ComplaintHandlerInput, responses=STEP_RESPONSES)
class ComplaintAssignApi(ComplaintStepApi):
    """POST complaints/{id}/assign/ [service center] {"handler"}: hand the complaint to a colleague."""

    input_serializer = ComplaintHandlerInput
    step = staticmethod(complaints.complaint_assign)


@extend_schema(request=ComplaintFindingsInput, responses=STEP_RESPONSES)
class ComplaintResolveApi(ComplaintStepApi):
    """POST complaints/{id}/resolve/ [service center] {"findings"}: close the complaint as upheld (已办结)."""

    input_serializer = ComplaintFindingsInput
    step = staticmethod(complaints.complaint_resolve)


@extend_schema(request=ComplaintFindingsInput, responses=STEP_RESPONSES)
class ComplaintDismissApi(ComplaintStepApi):
    """POST complaints/{id}/dismiss/ [service center] {"findings"}: close the complaint as not supported."""

    input_serializer = ComplaintFindingsInput
    step = staticmethod(complaints.complaint_dismiss)
