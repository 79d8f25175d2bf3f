from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from . import selectors
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
