"""Visibility and role checks shared by services, selectors, views, admin and the API."""
from hangqifu.accounts.roles import Role

from .models._perms import is_owner, is_role

STAFF_VIEWERS = (Role.SERVICE_CENTER, Role.BUREAU, Role.FINANCE_BUREAU)


def can_view_application(application, user) -> bool:
    if is_owner(application.organisation_id, user) or is_role(user, *STAFF_VIEWERS):
        return True
    if is_role(user, Role.EXPERT):
        return application.assignments.filter(expert=user).exists()
    return False


def can_view_product(product, user) -> bool:
    """The product's workflow record and its price evidence (the public sees listed products through the
    catalogue only)."""
    return is_owner(product.provider_id, user) or is_role(user, *STAFF_VIEWERS)
