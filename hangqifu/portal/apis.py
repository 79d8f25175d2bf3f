"""The test clock (API.md): settable only in non-production settings with HANGQIFU_TEST_CLOCK=1."""
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.accounts.permissions import has_role
from hangqifu.core import clock

from . import clock_controls


class _TestClockGate(APIView):
    permission_classes = [has_role(*clock_controls.CLOCK_ROLES)]

    def initial(self, request, *args, **kwargs):
        if not clock.test_clock_enabled():
            raise Http404
        super().initial(request, *args, **kwargs)


ClockOutput = inline_serializer("TestClock", {"now": serializers.DateTimeField(), "frozen": serializers.BooleanField()})


class TestClockApi(_TestClockGate):
    class InputSerializer(serializers.Serializer):
        now = serializers.DateTimeField()
        frozen = serializers.BooleanField(required=False, default=False)

    @extend_schema(responses={200: ClockOutput})
    def get(self, request):
        return Response({"now": clock.now(), "frozen": False})

    @extend_schema(request=InputSerializer, responses={200: ClockOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock_controls.clock_set(actor=request.user, when=data.validated_data["now"],
                                 frozen=data.validated_data["frozen"])
        return Response({"now": clock.now(), "frozen": data.validated_data["frozen"]})

    @extend_schema(responses={204: None})
    def delete(self, request):
        clock_controls.clock_reset(actor=request.user)
        return Response(status=204)


class RunDueTasksApi(_TestClockGate):
    @extend_schema(request=None, responses={200: inline_serializer(
        "DueTasksRun", {"now": serializers.DateTimeField(), "results": serializers.DictField()})})
    def post(self, request):
        results = clock_controls.clock_run_due(actor=request.user)
        return Response({"now": clock.now(), "results": {k: _plain(v) for k, v in results.items()}})


def _plain(value):
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)
