"""REST API of the dishonesty lists (第六条): staff read the entries and record a 信用修复 delisting with its
evidence — the only way a list hit is lifted. Imports stay in the admin (Excel/CSV)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core import clock
from hangqifu.core.api import ErrorSerializer
from hangqifu.core.errors import NotPermitted

from .. import permissions
from ..models import CreditListEntry
from ..selectors import eligibility
from ..services import credit_lists

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class CreditListEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    list_kind = serializers.CharField()
    list_kind_label = serializers.CharField(source="get_list_kind_display")
    credit_code = serializers.CharField()
    name = serializers.CharField()
    listed_on = serializers.DateField()
    removed_on = serializers.DateField(allow_null=True)
    in_force = serializers.SerializerMethodField()

    def get_in_force(self, obj) -> bool:
        today = clock.today()
        return obj.listed_on <= today and (obj.removed_on is None or today < obj.removed_on)


def _require_reviewer(user):
    if not permissions.is_reviewer(user):
        raise NotPermitted("只有市工信服务中心可以查看和维护失信名单")


class CreditListEntryListApi(ListAPIView):
    """Staff only. Filters: credit_code, in_force (true: the entries in force today)."""

    queryset = CreditListEntry.objects.none()
    serializer_class = CreditListEntryOutput

    @extend_schema(parameters=[OpenApiParameter("credit_code", str), OpenApiParameter("in_force", bool)])
    def get(self, request, *args, **kwargs):
        _require_reviewer(request.user)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        entries = (eligibility.listed_entries(clock.today()) if params.get("in_force", "").lower() in ("1", "true")
                   else CreditListEntry.objects.all())
        if params.get("credit_code"):
            entries = entries.filter(credit_code=params["credit_code"].strip().upper())
        return entries.order_by("-listed_on", "id")


class CreditDelistApi(APIView):
    """信用修复: the entry ends on `removed_on` (default today); the qualifications and provider admissions the
    lists suspended are restored once the party is on no other list. 409 `credit_listed` never comes from here."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True, help_text="信用修复说明：决定文书、移出名单的依据")
        removed_on = serializers.DateField(required=False, allow_null=True, help_text="移出日期，默认今天")
        evidence = serializers.FileField(allow_empty_file=True, use_url=False, help_text="信用修复证明材料（PDF/JPG/PNG）")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        entry = CreditListEntryOutput()
        removed_on = serializers.DateField()
        reason = serializers.CharField()
        listed_today = serializers.BooleanField(help_text="登记后该主体是否仍在其他名单中")

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={201: OutputSerializer, **ERRORS})
    def post(self, request, pk: int):
        _require_reviewer(request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delisting = credit_lists.credit_delisting_record(actor=request.user, entry_id=pk, **data.validated_data)
        delisting.listed_today = eligibility.is_listed(delisting.entry.credit_code, clock.today())
        return Response(self.OutputSerializer(delisting).data, status=201)
