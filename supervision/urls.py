from django.urls import path

from . import insight_views as insight
from . import views

# included with the audit trail's and sanctions' pages under /audit/, namespace "audit" (hangqifu/urls.py)
urlpatterns = [
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/filed/", views.complaint_filed, name="complaint-filed"),
    path("complaints/track/", views.complaint_track, name="complaint-track"),
    path("complaints/mine/", views.complaint_mine, name="complaint-mine"),
    path("complaints/mine/<int:pk>/", views.complaint_mine_detail, name="complaint-mine-detail"),
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_act, name="complaint-act"),
    path("fraud/", insight.signal_list, name="fraud-signals"),
    path("fraud/rules/", insight.rule_list, name="fraud-rules"),
    path("recoveries/", insight.recovery_list, name="recovery-list"),
    path("recoveries/new/", insight.fraud_confirm, name="fraud-confirm"),
    path("recoveries/<int:pk>/", insight.recovery_detail, name="recovery-detail"),
    path("spot-checks/", insight.spot_check_list, name="spot-check-list"),
    path("spot-checks/<int:pk>/", insight.spot_check_detail, name="spot-check-detail"),
    path("spot-checks/<int:pk>/draw/", insight.spot_check_draw, name="spot-check-draw"),
    path("spot-checks/<int:pk>/items/<int:item_pk>/", insight.spot_check_item, name="spot-check-item"),
    path("spot-checks/<int:pk>/close/", insight.spot_check_close, name="spot-check-close"),
    path("spot-checks/<int:pk>/report/", insight.spot_check_report, name="spot-check-report"),
    path("dashboard/", insight.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.xlsx", insight.dashboard_export, name="dashboard-export"),
    path("open-data/", insight.open_data_page, name="open-data"),
]
