from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer

from . import services


class WorkingDeadlineApi(APIView):
    """The n-th working day after a date, on the official calendar (provisional for years without one)."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        start = serializers.DateField()
        n = serializers.IntegerField(min_value=0, max_value=400)

    class OutputSerializer(serializers.Serializer):
        start = serializers.DateField()
        n = serializers.IntegerField()
        date = serializers.DateField()
        provisional = serializers.BooleanField()

    @extend_schema(parameters=[InputSerializer], responses={200: OutputSerializer, 400: ErrorSerializer})
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        deadline = services.working_deadline(data.validated_data["start"], data.validated_data["n"])
        return Response(self.OutputSerializer({**data.validated_data, "date": deadline.date,
                                               "provisional": deadline.provisional}).data)
