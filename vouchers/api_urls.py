from django.urls import path

from .apis import voucher_claims as voucher_claim_apis
from .apis import fund_declarations as fund_declaration_apis
from .apis import funds as fund_apis
from .apis import orders as order_apis

# Funds, batches, claims, vouchers, orders and deductions.
urlpatterns = [
    path("funds/", fund_apis.FundListApi.as_view(), name="fund-list"),
    path("funds/<int:year>/insufficiency-declarations/", fund_declaration_apis.FundInsufficiencyListApi.as_view(),
         name="fund-insufficiency-list"),
    path("fund-insufficiency-declarations/<int:pk>/confirm/",
         fund_declaration_apis.FundInsufficiencyConfirmApi.as_view(), name="fund-insufficiency-confirm"),
    path("fund-insufficiency-declarations/<int:pk>/withdraw/",
         fund_declaration_apis.FundInsufficiencyWithdrawApi.as_view(), name="fund-insufficiency-withdraw"),
    path("batches/", fund_apis.BatchListApi.as_view(), name="batch-list"),
    path("batches/<int:pk>/", fund_apis.BatchDetailApi.as_view(), name="batch-detail"),
    path("batches/<int:pk>/open/", fund_apis.BatchOpenApi.as_view(), name="batch-open"),
    path("batches/<int:pk>/close/", fund_apis.BatchCloseApi.as_view(), name="batch-close"),
    path("batches/<int:pk>/claim/", voucher_claim_apis.VoucherClaimApi.as_view(), name="batch-claim"),
    path("vouchers/", voucher_claim_apis.VoucherListApi.as_view(), name="voucher-list"),
    path("vouchers/<int:pk>/", voucher_claim_apis.VoucherDetailApi.as_view(), name="voucher-detail"),
    path("orders/", order_apis.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", order_apis.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/commitment-letter/", order_apis.OrderCommitmentLetterApi.as_view(),
         name="order-commitment-letter"),
    path("orders/<int:pk>/documents/", order_apis.OrderDocumentsApi.as_view(), name="order-documents"),
    path("orders/<int:pk>/complete/", order_apis.OrderCompleteApi.as_view(), name="order-complete"),
    path("orders/<int:pk>/rate/", order_apis.OrderRateApi.as_view(), name="order-rate"),
    path("orders/<int:pk>/cancel/", order_apis.OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<int:pk>/deduct/", order_apis.OrderDeductApi.as_view(), name="order-deduct"),
    path("orders/<int:pk>/deduction-quote/", order_apis.DeductionQuoteApi.as_view(), name="order-deduction-quote"),
]
