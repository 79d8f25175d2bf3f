"""REST API of the year's qualifications and of change reports (API.md `qualifications/`, `change-reports/`). Thin:
parse, call one service, render."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField
from hangqifu.core.errors import NotFound
from hangqifu.workflows.transitions import available_actions

from ..models import ChangeReport, Qualification, SizeClass
from ..selectors import registration as selectors
from ..services import change_reports as change_services
from ..services import qualification as qualification_services
from .applications import ERRORS


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
        return available_actions(obj, self.context["request"].user)


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
