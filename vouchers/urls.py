from django.urls import path

from .views import voucher_claims as voucher_claim_views
from .views import fund_declarations as fund_declaration_views
from .views import funds as fund_views
from .views import orders as order_views

app_name = "vouchers"

# Funds, batches, vouchers and orders (registration and qualification: registration/urls.py, same prefix).
urlpatterns = [
    path("funds/", fund_views.fund_usage, name="fund-usage"),
    path("funds/<int:year>/insufficiency/", fund_declaration_views.fund_insufficiency, name="fund-insufficiency"),
    path("funds/insufficiency/<int:pk>/<str:action>/", fund_declaration_views.fund_insufficiency_decide,
         name="fund-insufficiency-decide"),
    path("batches/", fund_views.batch_list, name="batch-list"),
    path("batches/new/", fund_views.batch_new, name="batch-new"),
    path("batches/<int:pk>/", fund_views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/live/", fund_views.batch_live, name="batch-live"),
    path("batches/<int:pk>/claim/", voucher_claim_views.batch_claim, name="batch-claim"),
    path("batches/<int:pk>/<str:action>/", fund_views.batch_transition, name="batch-transition"),
    path("my-vouchers/", voucher_claim_views.my_vouchers, name="my-vouchers"),
    path("orders/", order_views.order_list, name="order-list"),
    path("orders/new/", order_views.order_new, name="order-new"),
    path("orders/<int:pk>/", order_views.order_detail, name="order-detail"),
    path("orders/<int:pk>/commitment-letter/", order_views.order_commitment_letter, name="order-commitment-letter"),
    path("orders/<int:pk>/stamped-letter/", order_views.order_letter_upload, name="order-letter-upload"),
    path("orders/<int:pk>/complete/", order_views.order_complete, name="order-complete"),
    path("orders/<int:pk>/rate/", order_views.order_rate, name="order-rate"),
    path("orders/<int:pk>/deduct/", order_views.order_deduct, name="order-deduct"),
    path("orders/<int:pk>/cancel/", order_views.order_cancel, name="order-cancel"),
]
