from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hangqifu.core.api import ErrorSerializer

from . import selectors, services
from .models import Notification


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "url", "created_at", "read_at"]


@extend_schema(tags=["notifications"])
class NotificationListApi(generics.ListAPIView):
    serializer_class = NotificationOutput

    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.inbox_for(user=self.request.user)


class NotificationReadApi(APIView):
    """Mark one of the caller's notifications read (idempotent); others' notifications are 404."""

    @extend_schema(tags=["notifications"], request=None, responses={200: NotificationOutput, 404: ErrorSerializer})
    def post(self, request, pk: int):
        notification = selectors.inbox_for(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404
        services.mark_read(user=request.user, notification_id=pk)
        return Response(NotificationOutput(selectors.inbox_for(user=request.user).get(pk=pk)).data)


class NotificationReadAllApi(APIView):
    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(tags=["notifications"], request=None, responses={200: OutputSerializer})
    def post(self, request):
        marked = services.mark_read(user=request.user)
        return Response({"marked": marked, "unread": selectors.unread_count(user=request.user)})
