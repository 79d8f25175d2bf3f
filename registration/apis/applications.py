"""REST API of registration applications (API.md `registrations/`): create, edit, documents, the transitions
and the bulk approval of re-reviews. Thin: parse, call one service, render."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.validators import is_valid_credit_code
from hangqifu.core import clock
from hangqifu.core.api import ErrorSerializer, MoneyField
from hangqifu.core.api_views import StepApi
from hangqifu.core.choices import District, Honour, Industry, Sector
from hangqifu.core.errors import NotFound
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.serializers import DocumentSerializer, DocumentUploadSerializer

from .. import permissions
from ..letters import commitment_letter_response
from ..models import HolderKind, RegistrationApplication
from ..selectors import eligibility
from ..selectors import registration as selectors
from ..services import registration as services
from ..services import review as review_services
from ..services import rereview as rereview_services

HONOURS_HELP = "荣誉称号 id：" + "、".join(f"{h.value}（{h.label}）" for h in Honour)
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def _registration(request, pk) -> RegistrationApplication:
    registration = selectors.registration_get(user=request.user, pk=pk)
    if registration is None:
        raise NotFound("申请不存在")
    return registration


class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    year = serializers.IntegerField()
    purpose = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    kind = serializers.CharField()
    name = serializers.CharField()
    credit_code = serializers.CharField()
    established_on = serializers.DateField(allow_null=True)
    industry = serializers.CharField()
    sector = serializers.CharField()
    employees = serializers.IntegerField(allow_null=True)
    revenue = MoneyField(allow_null=True)
    total_assets = MoneyField(allow_null=True)
    district = serializers.CharField()
    honours = serializers.ListField(child=serializers.CharField())
    independent_legal_person = serializers.BooleanField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    size_class = serializers.CharField()
    claimed_tier = serializers.CharField()
    pre_review_opinion = serializers.CharField()
    decision_opinion = serializers.CharField()
    confirmed_honours = serializers.ListField(child=serializers.CharField())
    review_due_on = serializers.DateField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, obj) -> list[str]:
        return selectors.available_actions(obj, self.context["request"].user)


class RegistrationDetailOutput(RegistrationOutput):
    checklist = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    required_documents = serializers.SerializerMethodField()

    def get_checklist(self, obj) -> list[dict]:
        user = self.context["request"].user
        if obj.state == RegistrationApplication.State.SUBMITTED and permissions.is_reviewer(user):
            return [i.as_dict() for i in eligibility.compute_checklist(obj)]
        return obj.checklist

    def get_documents(self, obj) -> list[dict]:
        return DocumentSerializer(documents_for(obj), many=True).data

    def get_required_documents(self, obj) -> list[str]:
        return [str(k) for k in eligibility.REQUIRED_DOCUMENTS[obj.kind]]


# What the two application inputs check beyond their fields' types: a date not in the future, a credit code with a
# valid check digit, honours the holder's kind may claim (the kind comes with the input or, for an edit, from the
# application: serializer context `kind`). A comment, not a docstring: drf-spectacular would publish it.
class ApplicationInputRules:

    def validate_kind(self, value):
        if value not in HolderKind.values:
            raise serializers.ValidationError("主体类型只能是 enterprise（中小微企业）或 park（小微企业园）")
        return value

    def validate_credit_code(self, value):
        value = value.strip().upper()
        if not is_valid_credit_code(value):
            raise serializers.ValidationError("统一社会信用代码无效：应为18位且校验位正确")
        return value

    def validate_established_on(self, value):
        if value is not None and value > clock.today():
            raise serializers.ValidationError("成立日期不能晚于今天")
        return value

    def validate(self, attrs):
        kind = attrs.get("kind") or self.context.get("kind")
        if "honours" in attrs and kind:
            allowed = eligibility.HONOURS_FOR_KIND.get(kind, [])
            wrong = [h for h in attrs["honours"] if h not in allowed]
            if wrong:
                names = "、".join(Honour(h).label if h in Honour.values else str(h) for h in wrong)
                raise serializers.ValidationError({"honours": [f"{HolderKind(kind).label}不能申报：{names}"]})
            attrs["honours"] = list(dict.fromkeys(attrs["honours"]))
        return attrs


class RegistrationListApi(ListAPIView):
    """Own applications (enterprise, park) or all (staff), newest first."""

    queryset = RegistrationApplication.objects.none()
    serializer_class = RegistrationOutput

    class InputSerializer(ApplicationInputRules, serializers.Serializer):
        kind = serializers.CharField(max_length=20, help_text="enterprise（中小微企业）或 park（小微企业园）")
        name = serializers.CharField(max_length=200)
        credit_code = serializers.CharField(max_length=18)
        established_on = serializers.DateField()
        industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
        sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)
        employees = serializers.IntegerField(min_value=0, required=False, allow_null=True)
        revenue = MoneyField(min_value=0, required=False, allow_null=True)
        total_assets = MoneyField(min_value=0, required=False, allow_null=True)
        district = serializers.ChoiceField(choices=District.choices)
        honours = serializers.ListField(child=serializers.CharField(max_length=40), help_text=HONOURS_HELP, required=False,
                                        default=list)
        independent_legal_person = serializers.BooleanField(required=False, default=True)
        contact_name = serializers.CharField(max_length=50, required=False, default="")
        contact_phone = serializers.CharField(max_length=30, required=False, default="")

    @extend_schema(parameters=[
        OpenApiParameter("state", str), OpenApiParameter("year", int), OpenApiParameter("kind", str),
        OpenApiParameter("purpose", str), OpenApiParameter("district", str), OpenApiParameter("sector", str),
        OpenApiParameter("tier", str), OpenApiParameter("overdue", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.registration_list(user=self.request.user, filters=self.request.query_params)

    @extend_schema(request=InputSerializer, responses={201: RegistrationDetailOutput, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_create(actor=request.user, **data.validated_data)
        return Response(RegistrationDetailOutput(registration, context={"request": request}).data, status=201)


class RegistrationDetailApi(APIView):
    class InputSerializer(ApplicationInputRules, serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False)
        established_on = serializers.DateField(required=False)
        industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
        sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)
        employees = serializers.IntegerField(min_value=0, required=False, allow_null=True)
        revenue = MoneyField(min_value=0, required=False, allow_null=True)
        total_assets = MoneyField(min_value=0, required=False, allow_null=True)
        district = serializers.ChoiceField(choices=District.choices, required=False)
        honours = serializers.ListField(child=serializers.CharField(max_length=40), help_text=HONOURS_HELP, required=False)
        independent_legal_person = serializers.BooleanField(required=False)
        contact_name = serializers.CharField(max_length=50, required=False)
        contact_phone = serializers.CharField(max_length=30, required=False)

    @extend_schema(responses={200: RegistrationDetailOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(RegistrationDetailOutput(_registration(request, pk), context={"request": request}).data)

    @extend_schema(request=InputSerializer, responses={200: RegistrationDetailOutput, **ERRORS})
    def patch(self, request, pk: int):
        registration = _registration(request, pk)
        data = self.InputSerializer(data=request.data, partial=True, context={"kind": registration.kind})
        data.is_valid(raise_exception=True)
        registration = services.registration_update(actor=request.user, registration=registration,
                                                    **data.validated_data)
        return Response(RegistrationDetailOutput(registration, context={"request": request}).data)


class RegistrationDocumentsApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(DocumentUploadSerializer):
        honour = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                       help_text="kind=honour_evidence 时对应的荣誉称号 id")

    @extend_schema(responses={200: DocumentSerializer(many=True), 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(DocumentSerializer(documents_for(_registration(request, pk)), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: DocumentSerializer, **ERRORS})
    def post(self, request, pk: int):
        registration = _registration(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.registration_document_add(
            actor=request.user, registration=registration, kind=data.validated_data["kind"],
            uploaded_file=data.validated_data["file"], honour=data.validated_data.get("honour", ""))
        return Response(DocumentSerializer(document).data, status=201)


@extend_schema(responses={200: RegistrationDetailOutput, **ERRORS})
class _RegistrationActionApi(StepApi):
    target_name = "registration"

    def target(self, request, pk):
        return _registration(request, pk)

    def respond(self, request, registration):
        registration = RegistrationApplication.objects.select_related("organisation").get(pk=registration.pk)
        return Response(RegistrationDetailOutput(registration, context={"request": request}).data)


class RegistrationSubmitApi(_RegistrationActionApi):
    step = staticmethod(services.registration_submit)


class RegistrationPreReviewApi(_RegistrationActionApi):
    class InputSerializer(serializers.Serializer):
        passed = serializers.BooleanField()
        opinion = serializers.CharField(required=False, allow_blank=True, default="")
        overrides = serializers.DictField(required=False, default=dict,
                                          help_text='{"项目key": {"passed": true, "reason": "理由"}}')

    input_serializer = InputSerializer
    step = staticmethod(review_services.registration_pre_review)


class RegistrationApproveApi(_RegistrationActionApi):
    class InputSerializer(serializers.Serializer):
        confirmed_honours = serializers.ListField(child=serializers.CharField(max_length=40), required=False,
                                                  allow_null=True, default=None,
                                                  help_text="确认的荣誉称号 id（默认：全部申报的称号）")
        opinion = serializers.CharField(required=False, allow_blank=True, default="")

    input_serializer = InputSerializer
    step = staticmethod(review_services.registration_approve)


class OpinionInput(serializers.Serializer):
    opinion = serializers.CharField(allow_blank=True)


class RegistrationReturnApi(_RegistrationActionApi):
    input_serializer = OpinionInput
    step = staticmethod(review_services.registration_return)


class RegistrationRejectApi(_RegistrationActionApi):
    input_serializer = OpinionInput
    step = staticmethod(review_services.registration_reject)


class RegistrationCommitmentLetterApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return commitment_letter_response(_registration(request, pk))


class RereviewBulkApproveApi(APIView):
    """Approve every submitted/pre-reviewed re-review matching the filters (all rows, not one page)."""

    class InputSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False)
        district = serializers.ChoiceField(choices=District.choices, required=False)
        sector = serializers.ChoiceField(choices=Sector.choices, required=False)
        tier = serializers.CharField(required=False)
        kind = serializers.CharField(max_length=20, required=False, help_text="enterprise 或 park")

    @extend_schema(request=InputSerializer, responses={200: inline_serializer("RereviewBulkResult", {
        "approved": serializers.ListField(child=serializers.IntegerField()),
        "skipped": serializers.DictField(child=serializers.CharField())}), **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        queryset = selectors.registration_list(user=request.user, filters={**data.validated_data,
                                                                          "purpose": "rereview"})
        result = rereview_services.rereview_bulk_approve(actor=request.user, queryset=queryset)
        return Response({"approved": result.approved, "skipped": {str(k): v for k, v in result.skipped.items()}})
