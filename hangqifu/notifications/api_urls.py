from django.urls import path

from . import apis

urlpatterns = [path("notifications/", apis.NotificationListApi.as_view(), name="notification-list")]
