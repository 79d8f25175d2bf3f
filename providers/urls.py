from django.urls import path

from . import evaluation_views, views

app_name = "providers"

urlpatterns = [
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/results/", views.round_results, name="round-results"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/", views.catalogue_product, name="catalogue-product"),
    path("admitted/", views.admitted, name="admitted"),
    path("admitted/<int:organisation_id>/", views.provider_page, name="provider"),
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.application_edit, name="application-create"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/<str:action>/", views.application_act, name="application-act"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("products/", views.products, name="my-products"),
    path("products/new/", views.product_edit, name="product-create"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("products/<int:pk>/<str:action>/", views.product_act, name="product-act"),
    path("evaluations/", evaluation_views.evaluations, name="evaluations"),
    path("evaluations/manage/", evaluation_views.evaluations_manage, name="evaluations-manage"),
    path("evaluations/<int:year>/<int:profile_id>/", evaluation_views.evaluation_edit, name="evaluation-edit"),
    path("evaluations/<int:year>/<int:profile_id>/publish/", evaluation_views.evaluation_publish_view,
         name="evaluation-publish"),
]
