"""Who may see and act on funds, batches, vouchers and orders. Shared by the FSM transitions,
services, selectors, pages, admin and the API."""
from hangqifu.accounts.roles import BUYER_ROLES, STAFF_ROLES, Role
from hangqifu.accounts.second_factor_rule import acts_with_second_factor


def _active(user) -> bool:
    """Signed in, active, and — for a staff role — verified with the second factor."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and acts_with_second_factor(user))


def is_bureau(user) -> bool:
    return _active(user) and user.role == Role.BUREAU


def is_staff(user) -> bool:
    """Supervising staff read every fund, batch, voucher and order."""
    return _active(user) and user.role in STAFF_ROLES


def is_buyer(user) -> bool:
    return _active(user) and user.role in BUYER_ROLES and user.organisation_id is not None


def is_provider(user) -> bool:
    return _active(user) and user.role == Role.PROVIDER and user.organisation_id is not None


def is_buyer_of(order, user) -> bool:
    return is_buyer(user) and user.organisation_id == order.buyer_id


def is_provider_of(order, user) -> bool:
    return is_provider(user) and user.organisation_id == order.provider_id


def can_view_order(order, user) -> bool:
    return is_staff(user) or is_buyer_of(order, user) or is_provider_of(order, user)


def can_view_voucher(voucher, user) -> bool:
    return is_staff(user) or (is_buyer(user) and user.organisation_id == voucher.organisation_id)


# FSM `permission=` callables (instance, user).
def bureau(instance, user) -> bool:
    return is_bureau(user)


def order_buyer(order, user) -> bool:
    return is_buyer_of(order, user)


def order_provider(order, user) -> bool:
    return is_provider_of(order, user)


def order_party(order, user) -> bool:
    return is_buyer_of(order, user) or is_provider_of(order, user)


def nobody(instance, user) -> bool:
    """System transitions (expiry, voiding, use-up) are fired by services, never offered to a user."""
    return False
