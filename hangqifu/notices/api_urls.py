from django.urls import path

from . import apis

urlpatterns = [
    path("public-notices/", apis.PublicNoticeListApi.as_view(), name="public-notice-list"),
    path("public-notices/objections/", apis.ObjectionListApi.as_view(), name="objection-list"),
    path("public-notices/objections/<int:pk>/resolve/", apis.ObjectionResolveApi.as_view(), name="objection-resolve"),
    path("public-notices/<int:pk>/", apis.PublicNoticeDetailApi.as_view(), name="public-notice-detail"),
    path("public-notices/<int:pk>/objections/", apis.PublicNoticeObjectionApi.as_view(),
         name="public-notice-objections"),
    path("public-notices/<int:pk>/documents/", apis.PublicNoticeDocumentApi.as_view(), name="public-notice-documents"),
]
