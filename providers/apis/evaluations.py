"""provider-evaluations/: the annual evaluation (第十六条) — published results for everyone; the service center
enters and publishes; a failing grade opens removal (第十七条)."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, rule_refusal
from hangqifu.core.api_views import FilteredListApi
from hangqifu.core.errors import NotFound

from ..evaluation import rule_text
from ..models import AnnualEvaluation, ProviderProfile
from ..models._perms import is_role
from ..permissions import STAFF_VIEWERS
from ..services.evaluations import evaluation_publish, evaluation_record

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class EvaluationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    provider = serializers.IntegerField(source="profile.organisation_id")
    provider_name = serializers.CharField(source="profile.organisation.name")
    year = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    rated_count = serializers.IntegerField()
    satisfied_count = serializers.IntegerField()
    dissatisfied_count = serializers.IntegerField()
    benefit_score = serializers.DecimalField(max_digits=5, decimal_places=2)
    benefit_note = serializers.CharField()
    spot_checks = serializers.IntegerField()
    spot_checks_passed = serializers.IntegerField()
    complaints_upheld = serializers.IntegerField()
    audit_conclusion = serializers.CharField()
    audit_institution = serializers.CharField()
    audit_note = serializers.CharField()
    components = serializers.DictField(child=serializers.CharField(), help_text="分项得分（0–100，加权前）")
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    grade = serializers.CharField(help_text="excellent 优秀 / good 良好 / pass 合格 / fail 不合格")
    grade_label = serializers.CharField(source="get_grade_display")
    vetoes = serializers.ListField(child=serializers.CharField())
    removal = serializers.IntegerField(source="removal_id", allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class EvaluationListApi(FilteredListApi):
    """GET: published results (anyone; staff also see drafts), filter by year; the rule is in the schema's
    description of POST. POST [service center]: enter or correct an unpublished evaluation of a finished year."""
    permission_classes = [AllowAny]
    serializer_class = EvaluationOutput

    class FilterSerializer(serializers.Serializer):
        year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)

    class InputSerializer(serializers.Serializer):
        provider = serializers.IntegerField(help_text="服务机构（组织）id")
        year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="评价年度：次年 1 月 1 日起可录入")
        benefit_score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        benefit_note = serializers.CharField()
        spot_checks = serializers.IntegerField(min_value=0, default=0)
        spot_checks_passed = serializers.IntegerField(min_value=0, default=0)
        complaints_upheld = serializers.IntegerField(min_value=0, default=0)
        audit_conclusion = serializers.ChoiceField(choices=AnnualEvaluation.AuditConclusion.choices,
                                                   default=AnnualEvaluation.AuditConclusion.NOT_AUDITED)
        audit_institution = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        audit_note = serializers.CharField(required=False, allow_blank=True, default="")

    def filtered_queryset(self, year=None):
        queryset = AnnualEvaluation.objects.select_related("profile__organisation").order_by("-year", "-score", "pk")
        if not is_role(self.request.user, *STAFF_VIEWERS):
            queryset = queryset.filter(state=AnnualEvaluation.State.PUBLISHED)
        if year is not None:
            queryset = queryset.filter(year=year)
        return queryset

    @extend_schema(request=InputSerializer, description=rule_text(), responses={
        201: EvaluationOutput, **ERRORS, 409: rule_refusal("year_not_ended", "evaluation_published", "not_admitted")})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        profile = ProviderProfile.objects.filter(organisation_id=fields.pop("provider")).first()
        if profile is None:
            raise NotFound("服务机构不存在")
        evaluation = evaluation_record(actor=request.user, profile=profile, **fields)
        return Response(EvaluationOutput(evaluation).data, status=201)


class EvaluationPublishApi(APIView):
    """[service center] publish (graded again with the year's ratings as they stand); a failing grade opens
    removal (第十七条), returned as `removal`."""
    @extend_schema(request=None, responses={200: EvaluationOutput, **ERRORS, 409: rule_refusal(
        "invalid_transition", "not_admitted")})
    def post(self, request, pk):
        evaluation = AnnualEvaluation.objects.filter(pk=pk).first()
        if evaluation is None or not is_role(request.user, *STAFF_VIEWERS):
            raise NotFound("年度评价不存在")
        evaluation = evaluation_publish(actor=request.user, evaluation=evaluation)
        evaluation = AnnualEvaluation.objects.select_related("profile__organisation").get(pk=evaluation.pk)
        return Response(EvaluationOutput(evaluation).data)
