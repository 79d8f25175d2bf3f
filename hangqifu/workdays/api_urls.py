from django.urls import path

from . import apis

urlpatterns = [path("calendar/deadline/", apis.WorkingDeadlineApi.as_view(), name="calendar-deadline")]
