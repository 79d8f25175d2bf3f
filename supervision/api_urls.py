from django.urls import path

from . import apis
from . import insight_apis as insight

urlpatterns = [
    path("complaints/", apis.ComplaintListApi.as_view(), name="complaint-list"),
    path("complaints/<int:pk>/", apis.ComplaintDetailApi.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/start-investigation/", apis.ComplaintStartInvestigationApi.as_view(),
         name="complaint-start-investigation"),
    path("complaints/<int:pk>/assign/", apis.ComplaintAssignApi.as_view(), name="complaint-assign"),
    path("complaints/<int:pk>/resolve/", apis.ComplaintResolveApi.as_view(), name="complaint-resolve"),
    path("complaints/<int:pk>/dismiss/", apis.ComplaintDismissApi.as_view(), name="complaint-dismiss"),
    path("open-data/", insight.OpenDataApi.as_view(), name="open-data"),
    path("fraud-signals/", insight.FraudSignalListApi.as_view(), name="fraud-signal-list"),
    path("recoveries/", insight.RecoveryListApi.as_view(), name="recovery-list"),
    path("recoveries/<int:pk>/repayments/", insight.RecoveryRepaymentApi.as_view(), name="recovery-repayment"),
    path("spot-checks/", insight.SpotCheckListApi.as_view(), name="spot-check-list"),
    path("spot-checks/<int:pk>/draw/", insight.SpotCheckDrawApi.as_view(), name="spot-check-draw"),
    path("spot-checks/<int:pk>/items/<int:item_pk>/", insight.SpotCheckFindingApi.as_view(), name="spot-check-item"),
    path("spot-checks/<int:pk>/close/", insight.SpotCheckCloseApi.as_view(), name="spot-check-close"),
]
