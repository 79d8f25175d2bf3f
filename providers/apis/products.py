"""products/ (API.md): provider's products, submit, approve [service center], return, delist; the public
catalogue/ and admitted-providers/."""
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer, MoneyField, Pagination, read_again_response, rule_refusal
from hangqifu.core.api_views import FilteredListApi
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.errors import DomainError, NotFound
from hangqifu.documents.selectors import documents_for

from .. import selectors, services
from ..models import Product
from ..selectors import CATALOGUE_ORDERINGS
from ._common import ProviderDocumentOutput, ProviderOpinionInput

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class ProductFieldsSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ServiceCategory.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(help_text="标准化服务内容")
    deliverables = serializers.CharField()
    duration_days = serializers.IntegerField(min_value=1)
    price = MoneyField()
    last_year_average_price = MoneyField()


class ProductProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField()


class CatalogueProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField(source="get_category_display")
    title = serializers.CharField()
    description = serializers.CharField()
    deliverables = serializers.CharField()
    duration_days = serializers.IntegerField()
    price = MoneyField()
    last_year_average_price = MoneyField()
    provider = ProductProviderSerializer()
    listed_at = serializers.DateTimeField(allow_null=True)
    order_count = serializers.IntegerField()
    rating_count = serializers.IntegerField()
    satisfaction_rate = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)


class ProductSerializer(CatalogueProductSerializer):
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    price_above_basis = serializers.BooleanField()
    review_opinion = serializers.SerializerMethodField(help_text="审核意见：仅服务机构本身和工作人员可见，其他用户为空")
    delist_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    delisted_at = serializers.DateTimeField(allow_null=True)
    awaiting_selection = serializers.BooleanField(help_text="入驻后新增、尚未经遴选入选的产品：须经遴选后上架（第十五条）")
    selection_round = serializers.IntegerField(source="selection_round_id", allow_null=True)
    selected_at = serializers.DateTimeField(allow_null=True)
    selection_reviewer = serializers.SerializerMethodField()
    selection_score = serializers.SerializerMethodField()
    notice = serializers.IntegerField(source="notice_id", allow_null=True)
    available_actions = serializers.SerializerMethodField()

    def get_selection_reviewer(self, product) -> str:
        return product.selection_reviewer if product.user_can_view(self.context["request"].user) else ""

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True))
    def get_selection_score(self, product):
        visible = product.user_can_view(self.context["request"].user)
        return str(product.selection_score) if visible and product.selection_score is not None else None

    def get_available_actions(self, product) -> list[str]:
        return selectors.product_actions(product, self.context["request"].user)

    def get_review_opinion(self, product) -> str:
        """The reviewer's opinion is internal: the provider and staff read it, buyers and the public do not."""
        return product.review_opinion if product.user_can_view(self.context["request"].user) else ""


class ProductDetailSerializer(ProductSerializer):
    documents = serializers.SerializerMethodField()

    @extend_schema_field(ProviderDocumentOutput(many=True))
    def get_documents(self, product):
        if not product.user_can_view(self.context["request"].user):
            return []  # price evidence (contracts) is for the provider and staff only
        return ProviderDocumentOutput(documents_for(product), many=True).data


def _detail(request, product, status=200):
    return read_again_response(selectors.product_get, ProductDetailSerializer, request, product, status)


class ProductListApi(FilteredListApi):
    """GET: own products (provider), all (staff), listed ones (others). POST [admitted provider]: a draft."""
    queryset = Product.objects.none()
    serializer_class = ProductSerializer

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Product.State.choices, required=False)
        category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)

    def filtered_queryset(self, **filters):
        return selectors.products_for(user=self.request.user).filter(**filters).order_by("-id")

    @extend_schema(request=ProductFieldsSerializer, responses={201: ProductDetailSerializer, **ERRORS, 409: rule_refusal(
        "not_admitted", "category_not_admitted")})
    def post(self, request):
        data = ProductFieldsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.product_create(actor=request.user, **data.validated_data)
        return _detail(request, product, status=201)


class ProductDetailApi(APIView):
    @extend_schema(responses={200: ProductDetailSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        return _detail(request, selectors.product_get(user=request.user, pk=pk))

    @extend_schema(request=ProductFieldsSerializer, responses={200: ProductDetailSerializer, **ERRORS})
    def patch(self, request, pk):
        product = selectors.product_get(user=request.user, pk=pk)
        data = ProductFieldsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.product_update(actor=request.user, product=product, **data.validated_data)
        return _detail(request, product)


class ProductEvidenceApi(APIView):
    """[owner] upload the price-basis evidence (last year's contracts of the same product), kind price_basis."""
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField(required=False, default="price_basis")
        file = serializers.FileField()

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: ProviderDocumentOutput, **ERRORS})
    def post(self, request, pk):
        product = selectors.product_get(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["kind"] != services.products.PRICE_BASIS_KIND:
            raise DomainError("此处只接受定价依据证明（kind=price_basis）", code="invalid_document", status=400,
                              fields={"kind": ["只接受 price_basis"]})
        document = services.product_evidence_add(actor=request.user, product=product,
                                                 uploaded_file=data.validated_data["file"])
        return Response(ProviderDocumentOutput(document).data, status=201)


class _ProductActionApi(APIView):
    input_serializer = ProviderOpinionInput
    service = None

    def post(self, request, pk):
        product = selectors.product_get(user=request.user, pk=pk)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        type(self).service(actor=request.user, product=product, **data.validated_data)
        return _detail(request, product)


class ProductSubmitApi(_ProductActionApi):
    """[owner, admitted] submit for review (draft or delisted → submitted)."""
    class InputSerializer(serializers.Serializer):
        pass

    input_serializer = InputSerializer
    service = services.product_submit

    @extend_schema(request=InputSerializer, responses={200: ProductDetailSerializer, **ERRORS, 409: rule_refusal(
        "invalid_transition", "category_not_admitted", "not_admitted", "no_selection_round", "banned")})
    def post(self, request, pk):
        return super().post(request, pk)


class ProductApproveApi(_ProductActionApi):
    """[service center] approve and list a product selected earlier (proposed at admission, or relisting); a
    product added after admission is refused with 409 selection_required: it goes through selection."""
    service = services.product_approve

    @extend_schema(request=ProviderOpinionInput, responses={200: ProductDetailSerializer, **ERRORS, 409: rule_refusal(
        "invalid_transition", "selection_required", "category_not_admitted", "not_admitted", "banned")})
    def post(self, request, pk):
        return super().post(request, pk)


class ProductSelectionPreReviewApi(_ProductActionApi):
    """[service center] formal pre-review of a product added after admission: it enters the round's review."""
    service = services.product_selection_pre_review

    @extend_schema(request=ProviderOpinionInput, responses={200: ProductDetailSerializer, **ERRORS, 409: rule_refusal(
        "invalid_transition", "category_not_admitted", "not_admitted", "no_selection_round")})
    def post(self, request, pk):
        return super().post(request, pk)


class ProductSelectionReviewApi(_ProductActionApi):
    """[service center] record the round's expert panel or third-party institution's review (score 0–100)."""
    class InputSerializer(serializers.Serializer):
        reviewer_name = serializers.CharField(max_length=200, help_text="专家组或第三方机构名称")
        score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
        opinion = serializers.CharField()

    input_serializer = InputSerializer
    service = services.product_selection_review

    @extend_schema(request=InputSerializer, responses={200: ProductDetailSerializer, **ERRORS})
    def post(self, request, pk):
        return super().post(request, pk)


class ProductSelectionConfirmApi(APIView):
    """[bureau] confirm reviewed new products of one round: one public notice lists them; each is listed when
    the notice closes clear (an upheld objection returns it to draft)."""
    class InputSerializer(serializers.Serializer):
        products = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
        opinion = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: ProductSerializer(many=True), **ERRORS, 409: rule_refusal(
        "invalid_transition", "category_not_admitted", "not_admitted", "banned")})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        products = [selectors.product_get(user=request.user, pk=pk) for pk in dict.fromkeys(data.validated_data["products"])]
        confirmed = services.products_selection_confirm(actor=request.user, products=products,
                                                        opinion=data.validated_data["opinion"])
        products = [selectors.product_get(user=request.user, pk=p.pk) for p in confirmed]
        return Response(ProductSerializer(products, many=True, context={"request": request}).data)


class ProductReturnApi(_ProductActionApi):
    """[service center] return to the provider for changes."""
    class InputSerializer(serializers.Serializer):
        opinion = serializers.CharField()

    input_serializer = InputSerializer
    service = services.product_return

    @extend_schema(request=InputSerializer, responses={200: ProductDetailSerializer, **ERRORS})
    def post(self, request, pk):
        return super().post(request, pk)


class ProductDelistApi(_ProductActionApi):
    """[owner or staff] delist; orders already placed are not affected."""
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    input_serializer = InputSerializer
    service = services.product_delist

    @extend_schema(request=InputSerializer, responses={200: ProductDetailSerializer, **ERRORS})
    def post(self, request, pk):
        return super().post(request, pk)


class CatalogueFilter(serializers.Serializer):
    category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)
    q = serializers.CharField(required=False, max_length=100)
    district = serializers.ChoiceField(choices=District.choices, required=False)
    min_price = MoneyField(required=False)
    max_price = MoneyField(required=False)
    ordering = serializers.ChoiceField(choices=list(CATALOGUE_ORDERINGS), required=False,
                                       help_text="newest（默认）/ price / -price / satisfaction / orders")
    provider = serializers.IntegerField(required=False)


class CatalogueApi(ListAPIView):
    """Public, no login: listed products of admitted providers; search, filter and sort."""
    permission_classes = [AllowAny]
    serializer_class = CatalogueProductSerializer
    pagination_class = Pagination

    def get_queryset(self):
        filters = CatalogueFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        data["provider_id"] = data.pop("provider", None)
        return selectors.catalogue(**data)

    @extend_schema(parameters=[CatalogueFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CatalogueProductApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CatalogueProductSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        product = selectors.catalogue().filter(pk=pk).first()
        if product is None:
            raise NotFound("服务产品不存在或已下架")
        return Response(CatalogueProductSerializer(product).data)


class AdmittedProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField(source="organisation.name")
    credit_code = serializers.CharField(source="organisation.credit_code")
    district = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    admitted_at = serializers.DateTimeField()
    listed_count = serializers.IntegerField()


class AdmittedProviderListApi(FilteredListApi):
    """Public: the admitted-provider list (第十五条 入驻名单)."""
    permission_classes = [AllowAny]
    serializer_class = AdmittedProviderSerializer

    class FilterSerializer(serializers.Serializer):
        district = serializers.ChoiceField(choices=District.choices, required=False)
        category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)
        q = serializers.CharField(required=False, max_length=100)

    def filtered_queryset(self, **filters):
        return selectors.admitted_providers(**filters).order_by("organisation__name")
