"""REST API of registration and qualification (API.md `registrations/`, `qualifications/`,
`change-reports/`). Thin: parse, call one service, render."""
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField
from hangqifu.core.choices import District, Honour, Industry, Sector
from hangqifu.core.errors import NotFound
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.serializers import DocumentSerializer, DocumentUploadSerializer

from .. import permissions
from ..letters import commitment_letter_pdf
from ..models import ChangeReport, Qualification, RegistrationApplication, SizeClass
from ..selectors import eligibility
from ..selectors import registration as selectors
from ..services import change_reports as change_services
from ..services import qualification as qualification_services
from ..services import registration as services
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


class RegistrationListApi(ListAPIView):
    """Own applications (enterprise, park) or all (staff), newest first."""

    queryset = RegistrationApplication.objects.none()
    serializer_class = RegistrationOutput

    class InputSerializer(serializers.Serializer):
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
        registration = services.registration_create(actor=request.user, data=dict(data.validated_data))
        return Response(RegistrationDetailOutput(registration, context={"request": request}).data, status=201)


class RegistrationDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
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
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        registration = services.registration_update(actor=request.user, registration=registration,
                                                    data=dict(data.validated_data))
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


class _RegistrationActionApi(APIView):
    def respond(self, request, registration):
        registration = RegistrationApplication.objects.select_related("organisation").get(pk=registration.pk)
        return Response(RegistrationDetailOutput(registration, context={"request": request}).data)


class RegistrationSubmitApi(_RegistrationActionApi):
    @extend_schema(request=None, responses={200: RegistrationDetailOutput, **ERRORS})
    def post(self, request, pk: int):
        registration = services.registration_submit(actor=request.user, registration=_registration(request, pk))
        return self.respond(request, registration)


class RegistrationPreReviewApi(_RegistrationActionApi):
    class InputSerializer(serializers.Serializer):
        passed = serializers.BooleanField()
        opinion = serializers.CharField(required=False, allow_blank=True, default="")
        overrides = serializers.DictField(required=False, default=dict,
                                          help_text='{"项目key": {"passed": true, "reason": "理由"}}')

    @extend_schema(request=InputSerializer, responses={200: RegistrationDetailOutput, **ERRORS})
    def post(self, request, pk: int):
        registration = _registration(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_pre_review(actor=request.user, registration=registration,
                                                        **data.validated_data)
        return self.respond(request, registration)


class RegistrationApproveApi(_RegistrationActionApi):
    class InputSerializer(serializers.Serializer):
        confirmed_honours = serializers.ListField(child=serializers.CharField(max_length=40), required=False,
                                                  allow_null=True, default=None,
                                                  help_text="确认的荣誉称号 id（默认：全部申报的称号）")
        opinion = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: RegistrationDetailOutput, **ERRORS})
    def post(self, request, pk: int):
        registration = _registration(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration, _ = services.registration_approve(actor=request.user, registration=registration,
                                                        **data.validated_data)
        return self.respond(request, registration)


class OpinionInput(serializers.Serializer):
    opinion = serializers.CharField(allow_blank=True)


class RegistrationReturnApi(_RegistrationActionApi):
    @extend_schema(request=OpinionInput, responses={200: RegistrationDetailOutput, **ERRORS})
    def post(self, request, pk: int):
        registration = _registration(request, pk)
        data = OpinionInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_return(actor=request.user, registration=registration,
                                                    opinion=data.validated_data["opinion"])
        return self.respond(request, registration)


class RegistrationRejectApi(_RegistrationActionApi):
    @extend_schema(request=OpinionInput, responses={200: RegistrationDetailOutput, **ERRORS})
    def post(self, request, pk: int):
        registration = _registration(request, pk)
        data = OpinionInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = services.registration_reject(actor=request.user, registration=registration,
                                                    opinion=data.validated_data["opinion"])
        return self.respond(request, registration)


class RegistrationCommitmentLetterApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return commitment_letter_response(_registration(request, pk))


def commitment_letter_response(registration) -> HttpResponse:
    response = HttpResponse(commitment_letter_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="commitment-letter-{registration.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


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


# --- qualifications -------------------------------------------------------------------------------------

class QualificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    year = serializers.IntegerField()
    kind = serializers.CharField()
    tier = serializers.CharField()
    tier_label = serializers.CharField(source="get_tier_display")
    quota = MoneyField()
    used = MoneyField()
    remaining = MoneyField(help_text="年度额度 − 已使用（含手中服务券余额）")
    reserved = MoneyField(help_text="已领未用：有效服务券余额合计")
    headroom = MoneyField(help_text="还可领取：年度额度 − 已使用 − 已领未用（与页面一致，领券按此核对）")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    state_reason = serializers.CharField()
    suspension_cause = serializers.CharField(
        help_text="暂停原因类别：staff（服务中心暂停）、credit_list（列入失信名单，须信用修复后恢复）、change_report（变更报告待核查）；"
                  "暂停期间服务券冻结")
    honours = serializers.ListField(child=serializers.CharField())
    registration = serializers.IntegerField(source="registration_id", allow_null=True)
    created_at = serializers.DateTimeField()


class QualificationListApi(ListAPIView):
    queryset = Qualification.objects.none()
    serializer_class = QualificationOutput

    @extend_schema(parameters=[OpenApiParameter("year", int), OpenApiParameter("state", str),
                               OpenApiParameter("tier", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.qualification_list(user=self.request.user, year=params.get("year") or None,
                                            state=params.get("state"), tier=params.get("tier"))


class QualificationDetailApi(APIView):
    @extend_schema(responses={200: QualificationOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(QualificationOutput(_qualification(request, pk)).data)


def _qualification(request, pk) -> Qualification:
    qualification = selectors.visible_qualifications(user=request.user).filter(pk=pk).first()
    if qualification is None:
        raise NotFound("资格不存在")
    return qualification


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class _QualificationActionApi(APIView):
    service = None

    @extend_schema(request=ReasonInput, responses={200: QualificationOutput, **ERRORS})
    def post(self, request, pk: int):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        qualification = type(self).service(actor=request.user, qualification=_qualification(request, pk),
                                           reason=data.validated_data["reason"])
        return Response(QualificationOutput(qualification).data)


class QualificationSuspendApi(_QualificationActionApi):
    service = staticmethod(qualification_services.qualification_suspend)


class QualificationReinstateApi(_QualificationActionApi):
    service = staticmethod(qualification_services.qualification_reinstate)


class QualificationRevokeApi(_QualificationActionApi):
    service = staticmethod(qualification_services.qualification_revoke)


# --- change reports -------------------------------------------------------------------------------------

class ChangeReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    qualification = serializers.IntegerField(source="qualification_id", allow_null=True)
    change_kind = serializers.CharField()
    change_date = serializers.DateField()
    description = serializers.CharField()
    new_size_class = serializers.CharField()
    reported_on = serializers.DateField()
    deadline = serializers.DateField()
    deadline_provisional = serializers.BooleanField()
    is_late = serializers.BooleanField()
    affects_eligibility = serializers.BooleanField()
    suspended_qualification = serializers.BooleanField(help_text="报告使年度资格暂停（服务券冻结），待核查决定")
    state = serializers.CharField()
    review_opinion = serializers.CharField()
    decision = serializers.CharField(help_text="keep / reinstate / revoke（核查后）")
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        return ["review"] if obj.state == ChangeReport.State.SUBMITTED and permissions.is_reviewer(user) else []


class ChangeReportListApi(ListAPIView):
    queryset = ChangeReport.objects.none()
    serializer_class = ChangeReportOutput
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        change_kind = serializers.ChoiceField(choices=ChangeReport.ChangeKind.choices)
        change_date = serializers.DateField()
        description = serializers.CharField()
        new_size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False, allow_blank=True,
                                                 default="")
        evidence = serializers.FileField(allow_empty_file=True, use_url=False, help_text="证明材料（PDF/JPG/PNG）")
        affects_eligibility = serializers.BooleanField(
            required=False, default=False,
            help_text="该变化可能使本单位不再符合第六条条件；为真或划型为 large 时资格暂停（券冻结）待核查")

    @extend_schema(parameters=[OpenApiParameter("late", bool), OpenApiParameter("state", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        late = self.request.query_params.get("late")
        late = None if late in (None, "") else late.lower() in ("1", "true", "yes")
        return selectors.change_report_list(user=self.request.user, late=late,
                                            state=self.request.query_params.get("state"))

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: ChangeReportOutput, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = change_services.change_report_create(actor=request.user, **data.validated_data)
        return Response(ChangeReportOutput(report, context={"request": request}).data, status=201)


def _change_report(request, pk) -> ChangeReport:
    report = selectors.visible_change_reports(user=request.user).filter(pk=pk).first()
    if report is None:
        raise NotFound("变更报告不存在")
    return report


class ChangeReportDetailApi(APIView):
    @extend_schema(responses={200: ChangeReportOutput, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(ChangeReportOutput(_change_report(request, pk), context={"request": request}).data)


class ChangeReportReviewApi(APIView):
    class InputSerializer(serializers.Serializer):
        opinion = serializers.CharField(allow_blank=True)
        decision = serializers.ChoiceField(
            choices=ChangeReport.Decision.choices, required=False, allow_blank=True, default="",
            help_text="资格暂停的报告：reinstate 或 revoke（必填）；其他报告：keep（默认）或 revoke")

    @extend_schema(request=InputSerializer, responses={200: ChangeReportOutput, **ERRORS})
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = change_services.change_report_review(actor=request.user, report=_change_report(request, pk),
                                                      opinion=data.validated_data["opinion"],
                                                      decision=data.validated_data["decision"])
        return Response(ChangeReportOutput(report, context={"request": request}).data)
