from django.urls import path

from . import apis

urlpatterns = [
    path("policy-years/", apis.PolicyYearListApi.as_view(), name="policy-year-list"),
    path("policy-years/<int:year>/", apis.PolicyYearDetailApi.as_view(), name="policy-year-detail"),
]
