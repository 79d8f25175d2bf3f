from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from hangqifu.accounts.permissions import has_role
from hangqifu.accounts.roles import Role
from hangqifu.core.api import ErrorSerializer
from hangqifu.core.errors import InvalidInput
from hangqifu.core.throttle import PublicFormThrottle
from hangqifu.documents.selectors import documents_for
from hangqifu.documents.serializers import DocumentSerializer, DocumentUploadSerializer
from hangqifu.workflows.transitions import available_actions

from . import selectors, services
from .models import NoticeItem, Objection, PublicNotice


def _state_field(choices):
    """A read-only state id, its values listed in the description: an enum here would be hoisted into a
    shared "StateEnum" component and collide with every other workflow's state."""

    @extend_schema_field({"type": "string",
                          "description": "；".join(f"{value}：{label}" for value, label in choices.choices)})
    class StateField(serializers.CharField):
        pass

    return StateField(read_only=True)


class NoticeItemOutput(serializers.ModelSerializer):
    state = _state_field(NoticeItem.State)

    class Meta:
        model = NoticeItem
        fields = ["id", "label", "state", "decided_at"]


class PublicNoticeOutput(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    is_open = serializers.SerializerMethodField()
    items = NoticeItemOutput(many=True, read_only=True)
    state = _state_field(PublicNotice.State)
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = PublicNotice
        fields = ["id", "kind", "kind_label", "title", "body", "state", "working_days", "published_at", "closes_at",
                  "window_provisional", "closed_at", "is_open", "items", "available_actions"]

    def get_is_open(self, obj) -> bool:
        return services.notice_is_open(obj)

    def get_available_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        return ["object"] if user.is_authenticated and services.notice_is_open(obj) else []


class ObjectionOutput(serializers.ModelSerializer):
    state = _state_field(Objection.State)
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = ["id", "notice", "item", "content", "state", "created_at", "opinion", "resolved_at",
                  "available_actions"]

    def get_available_actions(self, obj) -> list[str]:
        return available_actions(obj, self.context["request"].user)


def _notice_or_404(request, pk) -> PublicNotice:
    notice = selectors.notice_for(notice_id=pk, user=request.user)
    if notice is None:
        raise Http404
    return notice


@extend_schema(tags=["public-notices"], parameters=[
    OpenApiParameter("state", enum=[s for s in PublicNotice.State.values if s != "draft"]),
    OpenApiParameter("kind", str)])
class PublicNoticeListApi(generics.ListAPIView):
    """GET: published and closed notices, newest first (public). POST [service center, bureau]: a general
    announcement with an objection window (e.g. the redemption batch dates of 第十三条)."""

    serializer_class = PublicNoticeOutput
    queryset = PublicNotice.objects.none()
    filter_backends = []

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        body = serializers.CharField(required=False, allow_blank=True, default="")
        working_days = serializers.IntegerField(required=False, min_value=1, max_value=60)

    def get_permissions(self):
        if self.request.method == "POST":
            return [has_role(Role.SERVICE_CENTER, Role.BUREAU)()]
        return [AllowAny()]

    def get_queryset(self):
        return selectors.public_notices(state=self.request.query_params.get("state") or None,
                                        kind=self.request.query_params.get("kind") or None)

    @extend_schema(request=InputSerializer, responses={201: PublicNoticeOutput, 400: ErrorSerializer,
                                                        403: ErrorSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_publish(kind="general", items=[], actor=request.user, **data.validated_data)
        return Response(PublicNoticeOutput(notice, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PublicNoticeDetailApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(PublicNoticeOutput):
        attachments = serializers.SerializerMethodField()

        class Meta(PublicNoticeOutput.Meta):
            fields = [*PublicNoticeOutput.Meta.fields, "attachments"]

        def get_attachments(self, obj) -> list[dict]:
            return DocumentSerializer(documents_for(obj), many=True).data

    @extend_schema(tags=["public-notices"], responses={200: OutputSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        return Response(self.OutputSerializer(_notice_or_404(request, pk), context={"request": request}).data)


class PublicNoticeObjectionApi(APIView):
    """Any logged-in user objects while the notice is open (409 notice_closed afterwards)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [PublicFormThrottle, *api_settings.DEFAULT_THROTTLE_CLASSES]
    throttle_scope = "public_form"

    class InputSerializer(serializers.Serializer):
        content = serializers.CharField(allow_blank=True, max_length=5000)
        item = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(tags=["public-notices"], request=InputSerializer,
                   responses={201: ObjectionOutput, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, pk: int):
        notice = _notice_or_404(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = None
        if data.validated_data.get("item") is not None:
            item = notice.items.filter(pk=data.validated_data["item"]).first()
            if item is None:
                raise InvalidInput("所选公示对象不属于该公示", fields={"item": ["所选公示对象不属于该公示"]})
        objection = services.objection_file(notice=notice, user=request.user, content=data.validated_data["content"],
                                            item=item)
        return Response(ObjectionOutput(objection, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PublicNoticeDocumentApi(APIView):
    """Attach a file to a notice (staff): multipart `kind` (notice_attachment / other) and `file`."""

    permission_classes = [has_role(Role.SERVICE_CENTER, Role.BUREAU)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(tags=["public-notices"], request={"multipart/form-data": DocumentUploadSerializer},
                   responses={201: DocumentSerializer, 400: ErrorSerializer, 404: ErrorSerializer,
                              409: ErrorSerializer})
    def post(self, request, pk: int):
        notice = _notice_or_404(request, pk)
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.notice_attach(notice=notice, actor=request.user, kind=data.validated_data["kind"],
                                          uploaded_file=data.validated_data["file"])
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["public-notices"], parameters=[OpenApiParameter("state", enum=Objection.State.values)])
class ObjectionListApi(generics.ListAPIView):
    """Service center and bureau: all objections (pending work: `?state=open`); others: their own."""

    serializer_class = ObjectionOutput
    queryset = Objection.objects.none()
    filter_backends = []

    def get_queryset(self):
        return selectors.objections_for(user=self.request.user, state=self.request.query_params.get("state") or None)


class ObjectionResolveApi(APIView):
    permission_classes = [has_role(Role.SERVICE_CENTER, Role.BUREAU)]

    class InputSerializer(serializers.Serializer):
        upheld = serializers.BooleanField()
        opinion = serializers.CharField(allow_blank=True, max_length=5000)

    @extend_schema(tags=["public-notices"], request=InputSerializer,
                   responses={200: ObjectionOutput, 400: ErrorSerializer, 403: ErrorSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def post(self, request, pk: int):
        objection = Objection.objects.filter(pk=pk).first()
        if objection is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_resolve(objection=objection, actor=request.user, **data.validated_data)
        return Response(ObjectionOutput(objection, context={"request": request}).data)
