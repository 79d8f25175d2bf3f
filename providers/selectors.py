"""Reads of the providers domain, scoped to the caller, with bounded queries."""
from decimal import Decimal, InvalidOperation

from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.choices import District, ServiceCategory
from hangqifu.core.errors import NotFound, RuleViolation
from hangqifu.workflows.transitions import available_actions
from sanctions.services import assert_not_banned

from .conditions import CheckItem, application_checklist  # noqa: F401  (pages and the API read them here)
from .models import (
    ConflictDeclaration,
    Product,
    ProviderApplication,
    ProviderProfile,
    Removal,
    Review,
    SelectionRound,
)
from .models._perms import is_role
from .permissions import STAFF_VIEWERS

# ---------------------------------------------------------------- interfaces for the order workflow


def is_admitted(organisation) -> bool:
    """True when the organisation is an admitted provider that has not been removed."""
    if organisation is None:
        return False
    organisation_id = getattr(organisation, "pk", organisation)
    return ProviderProfile.objects.filter(organisation_id=organisation_id,
                                          state=ProviderProfile.State.ADMITTED).exists()


def orderable_product(*, product_id) -> Product:
    """The listed product of an admitted provider, ready for a new order; refuses anything else."""
    product = Product.objects.select_related("provider", "provider__provider_profile").filter(pk=product_id).first()
    if product is None:
        raise NotFound("服务产品不存在")
    if product.state != Product.State.LISTED:
        raise RuleViolation("该服务产品未上架，不能下单", code="product_not_listed")
    profile = getattr(product.provider, "provider_profile", None)
    if profile is not None and profile.state == ProviderProfile.State.SUSPENDED:
        raise RuleViolation("该服务机构列入失信名单，入驻资格暂停中，不能下单", code="provider_not_admitted")
    if profile is None or profile.state != ProviderProfile.State.ADMITTED:
        raise RuleViolation("该服务机构未入驻或已被清退，不能下单", code="provider_not_admitted")
    if product.category not in (profile.categories or []):
        raise RuleViolation("该服务产品的类别不在服务机构入驻的服务类别内，不能下单", code="category_not_admitted")

    assert_not_banned(product.provider, entry_point="order")
    return product


# ---------------------------------------------------------------- rounds and applications


def open_rounds() -> QuerySet[SelectionRound]:
    now = clock.now()
    return SelectionRound.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")


def announced_rounds() -> QuerySet[SelectionRound]:
    """Rounds open now or opening later (announced ahead), then the recent closed ones."""
    return SelectionRound.objects.order_by("-opens_at")


def applications_for(*, user) -> QuerySet[ProviderApplication]:
    queryset = ProviderApplication.objects.select_related("round", "organisation")
    if is_role(user, *STAFF_VIEWERS):
        return queryset
    if is_role(user, Role.EXPERT):
        return queryset.filter(assignments__expert=user)
    if is_role(user, Role.PROVIDER) and user.organisation_id:
        return queryset.filter(organisation_id=user.organisation_id)
    return queryset.none()


def application_get(*, user, pk) -> ProviderApplication:
    application = applications_for(user=user).prefetch_related(
        "products", Prefetch("assignments__expert"), Prefetch("reviews", queryset=Review.objects.select_related(
            "reviewer"))).filter(pk=pk).first()
    if application is None:
        raise NotFound("入驻申请不存在")
    return application


def round_results(*, round_id) -> list[ProviderApplication]:
    """The round's reviewed applicants ranked by average review score (highest first)."""
    return list(
        ProviderApplication.objects.filter(round_id=round_id).exclude(
            state__in=[ProviderApplication.State.DRAFT])
        .annotate(average_score=Avg("reviews__total"), review_count=Count("reviews", distinct=True),
                  assigned_count=Count("assignments", distinct=True))
        .select_related("organisation")
        .order_by("-average_score", "submitted_at", "pk")
    )


def review_queue_for(*, expert) -> QuerySet[ProviderApplication]:
    return (ProviderApplication.objects.filter(assignments__expert=expert).select_related("round")
            .annotate(my_reviews=Count("reviews", filter=Q(reviews__reviewer=expert)))
            .order_by("-submitted_at"))


def conflicts_for(*, expert) -> QuerySet[ConflictDeclaration]:
    return ConflictDeclaration.objects.filter(expert=expert)


# ---------------------------------------------------------------- products and the public catalogue


def products_for(*, user) -> QuerySet[Product]:
    queryset = Product.objects.select_related("provider")
    if is_role(user, *STAFF_VIEWERS):
        return queryset
    if is_role(user, Role.PROVIDER) and user.organisation_id:
        return queryset.filter(provider_id=user.organisation_id)
    return queryset.filter(state=Product.State.LISTED)


def product_get(*, user, pk) -> Product:
    product = products_for(user=user).select_related("provider__provider_profile").filter(pk=pk).first()
    if product is None:
        raise NotFound("服务产品不存在")
    return product


CATALOGUE_ORDERINGS = {
    "newest": ("-listed_at", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "satisfaction": (F("satisfaction_rate").desc(nulls_last=True), "-rating_count", "id"),
    "orders": ("-order_count", "id"),
}


def _money_or_none(value):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def catalogue(*, category=None, q=None, district=None, min_price=None, max_price=None, ordering=None,
              provider_id=None) -> QuerySet[Product]:
    """Listed products of admitted providers. One query per page (plus the count), whatever the page size."""
    queryset = Product.objects.filter(state=Product.State.LISTED,
                                      provider__provider_profile__state=ProviderProfile.State.ADMITTED)
    if category in ServiceCategory.values:
        queryset = queryset.filter(category=category)
    if district in District.values:
        queryset = queryset.filter(provider__provider_profile__district=district)
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    if (low := _money_or_none(min_price)) is not None:
        queryset = queryset.filter(price__gte=low)
    if (high := _money_or_none(max_price)) is not None:
        queryset = queryset.filter(price__lte=high)
    if q := (q or "").strip()[:100]:
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(provider__name__icontains=q))
    order = CATALOGUE_ORDERINGS.get(ordering or "newest", CATALOGUE_ORDERINGS["newest"])
    return queryset.select_related("provider", "provider__provider_profile").order_by(*order)


def admitted_providers(*, district=None, category=None, q=None) -> QuerySet[ProviderProfile]:
    queryset = ProviderProfile.objects.filter(state=ProviderProfile.State.ADMITTED).select_related("organisation")
    if district in District.values:
        queryset = queryset.filter(district=district)
    if category in ServiceCategory.values:
        queryset = queryset.filter(Exists(Product.objects.filter(
            provider_id=OuterRef("organisation_id"), category=category, state=Product.State.LISTED)))
    if q := (q or "").strip()[:100]:
        queryset = queryset.filter(organisation__name__icontains=q)
    return queryset.annotate(listed_count=Count("organisation__products",
                                                filter=Q(organisation__products__state=Product.State.LISTED)))


def provider_public(*, organisation_id) -> ProviderProfile:
    profile = ProviderProfile.objects.select_related("organisation").filter(organisation_id=organisation_id).first()
    if profile is None:
        raise NotFound("服务机构不存在")
    return profile


def removals_for(*, user) -> QuerySet[Removal]:
    if not is_role(user, *STAFF_VIEWERS):
        return Removal.objects.none()
    return Removal.objects.select_related("profile__organisation", "proposed_by")


# ---------------------------------------------------------------- available actions (API and pages)


def application_actions(application: ProviderApplication, user) -> list[str]:
    """What `user` may do now; relies on prefetched assignments and reviews when given a list."""

    actions = available_actions(application, user)
    state = application.state
    owner = is_role(user, Role.PROVIDER) and user.organisation_id == application.organisation_id
    if owner and state in (ProviderApplication.State.DRAFT, ProviderApplication.State.RETURNED):
        actions[:0] = ["edit", "documents"]
    if state == ProviderApplication.State.PRE_REVIEWED:
        if is_role(user, Role.SERVICE_CENTER):
            actions += ["assign-experts", "third-party-review"]
        if is_role(user, Role.EXPERT):
            assigned = any(a.expert_id == user.pk for a in application.assignments.all())
            reviewed = any(r.reviewer_id == user.pk for r in application.reviews.all())
            if assigned and not reviewed:
                actions.append("expert-review")
    return actions


def product_actions(product: Product, user) -> list[str]:
    actions = available_actions(product, user)
    owner = is_role(user, Role.PROVIDER) and user.organisation_id == product.provider_id
    if owner and product.state in (Product.State.DRAFT, Product.State.DELISTED):
        actions[:0] = ["edit", "documents"]
    return actions


def removal_actions(removal: Removal, user) -> list[str]:
    return available_actions(removal, user)
