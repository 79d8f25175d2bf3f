"""Who may fire a transition, shared by models (FSM `permission=`), services, views, admin and the API. The role
predicates are hangqifu.accounts.predicates; this module adds the provider's own organisation."""
from hangqifu.accounts.predicates import (bureau, has_role, is_provider_of, nobody, service_center,
                                          staff_reviewer)

__all__ = ["bureau", "nobody", "service_center", "staff_reviewer", "is_owner", "is_role", "applicant",
           "product_provider", "product_provider_or_reviewer"]


def is_owner(organisation_id, user) -> bool:
    """A provider account of the organisation (an application's applicant, a product's provider)."""
    return is_provider_of(user, organisation_id)


def is_role(user, *roles) -> bool:
    return has_role(user, *roles)


# FSM `permission=` callables (instance, user).
def applicant(application, user) -> bool:
    return is_owner(application.organisation_id, user)


def product_provider(product, user) -> bool:
    return is_owner(product.provider_id, user)


def product_provider_or_reviewer(product, user) -> bool:
    """Delisting: the provider itself, or the service center or bureau."""
    return product_provider(product, user) or staff_reviewer(product, user)
