"""Who may see and act on funds, batches, vouchers and orders. Shared by the FSM transitions,
services, selectors, pages, admin and the API; the role predicates themselves are hangqifu.accounts.predicates."""
from hangqifu.accounts.predicates import bureau, is_bureau, is_buyer, is_provider, is_staff, nobody

__all__ = ["bureau", "nobody", "is_bureau", "is_buyer", "is_provider", "is_staff"]


def is_buyer_of(order, user) -> bool:
    return is_buyer(user) and user.organisation_id == order.buyer_id


def is_provider_of(order, user) -> bool:
    return is_provider(user) and user.organisation_id == order.provider_id


def can_view_order(order, user) -> bool:
    return is_staff(user) or is_buyer_of(order, user) or is_provider_of(order, user)


def can_view_voucher(voucher, user) -> bool:
    return is_staff(user) or (is_buyer(user) and user.organisation_id == voucher.organisation_id)


# FSM `permission=` callables (instance, user).
def order_buyer(order, user) -> bool:
    return is_buyer_of(order, user)


def order_provider(order, user) -> bool:
    return is_provider_of(order, user)


def order_party(order, user) -> bool:
    return is_buyer_of(order, user) or is_provider_of(order, user)
