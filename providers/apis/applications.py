"""provider-applications/ (API.md): create, read, edit, documents; conflict declarations; the rubric; round results.
The steps of an application (submit, pre-review, experts, confirm, reject, return) are in application_steps.py."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.permissions import has_role
from hangqifu.accounts.roles import Role
from hangqifu.core.api import ErrorSerializer, MoneyField, Pagination, read_again_response
from hangqifu.core.api_views import FilteredListApi
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.errors import NotFound
from hangqifu.documents.selectors import documents_for

from .. import selectors, services
from ..conditions import judgement_items
from ..models import ConflictDeclaration, ProviderApplication, SelectionRound
from ..models.applications import RUBRIC
from ..permissions import STAFF_VIEWERS
from ._common import ProviderDocumentOutput, ProviderDocumentUploadInput

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class ProviderProposedProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    deliverables = serializers.CharField(required=False, allow_blank=True, default="")
    duration_days = serializers.IntegerField(required=False, default=30, min_value=1)
    price = MoneyField()
    last_year_average_price = MoneyField()
    cases_last_year = serializers.IntegerField(min_value=0)
    price_above_basis = serializers.BooleanField(read_only=True)


class ProviderApplicationFieldsSerializer(serializers.Serializer):
    round = serializers.PrimaryKeyRelatedField(queryset=SelectionRound.objects.all(), required=False,
                                               help_text="默认为当前开放的遴选批次")
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18)
    established_on = serializers.DateField()
    district = serializers.ChoiceField(choices=District.choices)
    revenue = MoneyField()
    professional_staff = serializers.IntegerField(min_value=0)
    cases_last_year = serializers.IntegerField(min_value=0)
    categories = serializers.ListField(child=serializers.CharField(max_length=30), allow_empty=False,
                                       help_text="服务类别 id（十类之一）：" + "、".join(ServiceCategory.values))
    products = ProviderProposedProductSerializer(many=True, required=False)

    def validate_categories(self, value):
        if any(c not in ServiceCategory.values for c in value):
            raise serializers.ValidationError("服务类别必须在十类服务范围内")
        return value


class ProviderCheckItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    requirement = serializers.CharField()
    value = serializers.CharField()
    passed = serializers.BooleanField()
    hard = serializers.BooleanField(help_text="硬性条件：不符合的不能通过预审或确认入选")


class ProviderJudgementSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    guidance = serializers.CharField()
    checked = serializers.BooleanField()
    note = serializers.CharField()
    checked_by = serializers.CharField()
    checked_at = serializers.CharField()


class ProviderApplicationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    round = serializers.IntegerField(source="round_id")
    round_title = serializers.CharField(source="round.title")
    organisation = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField()
    credit_code = serializers.CharField()
    district = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    submitted_at = serializers.DateTimeField(allow_null=True)
    available_actions = serializers.SerializerMethodField()

    def get_available_actions(self, application) -> list[str]:
        return selectors.application_actions(application, self.context["request"].user)


class ProviderAssignmentSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert_id")
    username = serializers.CharField(source="expert.username")
    assigned_at = serializers.DateTimeField()


class ProviderReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer_kind = serializers.CharField()
    reviewer = serializers.IntegerField(source="reviewer_id", allow_null=True)
    reviewer_name = serializers.SerializerMethodField()
    scores = serializers.DictField()
    total = serializers.DecimalField(max_digits=5, decimal_places=2)
    opinion = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_reviewer_name(self, review) -> str:
        return review.reviewer_name or (review.reviewer.username if review.reviewer else "")


class ProviderApplicationDetailSerializer(ProviderApplicationSummarySerializer):
    established_on = serializers.DateField()
    revenue = MoneyField()
    professional_staff = serializers.IntegerField()
    cases_last_year = serializers.IntegerField()
    products = ProviderProposedProductSerializer(many=True, source="products.all")
    pre_review_opinion = serializers.CharField()
    decision_opinion = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    admitted_at = serializers.DateTimeField(allow_null=True)
    notice = serializers.IntegerField(source="notice_id", allow_null=True)
    documents = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    judgements = serializers.SerializerMethodField()
    assignments = ProviderAssignmentSerializer(many=True, source="assignments.all")
    reviews = serializers.SerializerMethodField()

    def _documents(self, application):
        if not hasattr(application, "_documents"):
            application._documents = list(documents_for(application))
        return application._documents

    @extend_schema_field(ProviderDocumentOutput(many=True))
    def get_documents(self, application):
        return ProviderDocumentOutput(self._documents(application), many=True).data

    @extend_schema_field(ProviderCheckItemSerializer(many=True))
    def get_checklist(self, application):
        return ProviderCheckItemSerializer(selectors.application_checklist(application, documents=self._documents(application)),
                                   many=True).data

    @extend_schema_field(ProviderJudgementSerializer(many=True))
    def get_judgements(self, application):
        return ProviderJudgementSerializer(judgement_items(application), many=True).data

    @extend_schema_field(ProviderReviewSerializer(many=True))
    def get_reviews(self, application):
        user = self.context["request"].user
        reviews = application.reviews.all()
        if not user.has_role(*STAFF_VIEWERS):
            reviews = [r for r in reviews if r.reviewer_id == user.pk]  # providers see none, experts their own
        return ProviderReviewSerializer(reviews, many=True).data


def application_detail_response(request, application, status=200):
    return read_again_response(selectors.application_get, ProviderApplicationDetailSerializer, request, application,
                               status)


class ProviderApplicationListApi(FilteredListApi):
    """GET: applications visible to the caller (own; assigned; all for staff). POST [provider]: a draft."""
    queryset = ProviderApplication.objects.none()
    serializer_class = ProviderApplicationSummarySerializer

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=ProviderApplication.State.choices, required=False)
        round = serializers.IntegerField(required=False)

    def filtered_queryset(self, state=None, round=None):
        queryset = selectors.applications_for(user=self.request.user).prefetch_related("assignments", "reviews")
        if state is not None:
            queryset = queryset.filter(state=state)
        if round is not None:
            queryset = queryset.filter(round_id=round)
        return queryset

    @extend_schema(request=ProviderApplicationFieldsSerializer, responses={201: ProviderApplicationDetailSerializer, **ERRORS})
    def post(self, request):
        data = ProviderApplicationFieldsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_create(actor=request.user, **data.validated_data)
        return application_detail_response(request, application, status=201)


class ProviderApplicationDetailApi(APIView):
    @extend_schema(responses={200: ProviderApplicationDetailSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        application = selectors.application_get(user=request.user, pk=pk)
        return Response(ProviderApplicationDetailSerializer(application, context={"request": request}).data)

    @extend_schema(request=ProviderApplicationFieldsSerializer, responses={200: ProviderApplicationDetailSerializer, **ERRORS})
    def patch(self, request, pk):
        application = selectors.application_get(user=request.user, pk=pk)
        data = ProviderApplicationFieldsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "round"}
        services.application_update(actor=request.user, application=application, **fields)
        return application_detail_response(request, application)


class ProviderApplicationDocumentApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ProviderDocumentUploadInput},
                   responses={201: ProviderDocumentOutput, **ERRORS})
    def post(self, request, pk):
        application = selectors.application_get(user=request.user, pk=pk)
        data = ProviderDocumentUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.application_document_add(actor=request.user, application=application,
                                                     kind=data.validated_data["kind"],
                                                     uploaded_file=data.validated_data["file"])
        return Response(ProviderDocumentOutput(document).data, status=201)


class RubricApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({key: {"label": label, "max": maximum} for key, (label, maximum) in RUBRIC.items()})


class SelectionRoundOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField()
    announcement = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    is_open = serializers.SerializerMethodField()

    def get_is_open(self, round) -> bool:
        return round.is_open()


class SelectionRoundListApi(ListAPIView):
    """Public: announced selection rounds (newest first)."""
    permission_classes = [AllowAny]
    serializer_class = SelectionRoundOutput
    pagination_class = Pagination

    def get_queryset(self):
        return selectors.announced_rounds()


class SelectionRoundResultOutput(serializers.Serializer):
    rank = serializers.IntegerField()
    application = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    state = serializers.CharField()
    average_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    review_count = serializers.IntegerField()
    assigned_count = serializers.IntegerField()


class SelectionRoundResultsApi(APIView):
    """[service center, bureau] the round's applicants ranked by average review score."""
    permission_classes = [has_role(Role.SERVICE_CENTER, Role.BUREAU)]

    @extend_schema(responses={200: SelectionRoundResultOutput(many=True), 403: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        round = SelectionRound.objects.filter(pk=pk).first()
        if round is None:
            raise NotFound("遴选批次不存在")
        rows = selectors.round_results(round_id=pk)
        for rank, row in enumerate(rows, 1):
            row.rank = rank
        return Response(SelectionRoundResultOutput(rows, many=True).data)


class ConflictDeclarationApi(APIView):
    """[expert] own declared links to providers; POST declares one (withdraws unreviewed assignments)."""
    permission_classes = [has_role(Role.EXPERT)]

    class InputSerializer(serializers.Serializer):
        provider_name = serializers.CharField(max_length=200)
        credit_code = serializers.CharField(max_length=18)
        relation = serializers.CharField(max_length=200)

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = ConflictDeclaration
            fields = ["id", "provider_name", "credit_code", "relation", "declared_at"]

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request):
        return Response(self.OutputSerializer(selectors.conflicts_for(expert=request.user), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **ERRORS})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = services.conflict_declare(actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(declaration).data, status=201)
