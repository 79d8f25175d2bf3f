from django.urls import path

from . import apis

urlpatterns = [path("documents/<int:pk>/download/", apis.DocumentDownloadApi.as_view(), name="document-download")]
