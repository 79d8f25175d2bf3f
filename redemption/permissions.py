"""Who may see and act on redemption claims, settlement batches, disbursement orders and district payments.
Shared by the FSM transitions (`permission=`), services, selectors, pages, admin and the API."""
from hangqifu.accounts.predicates import (bureau, finance_bureau, is_bureau, is_district, is_finance_bureau,
                                          is_provider, is_service_center, is_staff, nobody, service_center)

__all__ = ["bureau", "finance_bureau", "nobody", "service_center", "is_bureau", "is_finance_bureau", "is_provider",
           "is_service_center", "is_staff"]


def district_of(user) -> str:
    """The district a district finance officer pays for ('' for everyone else)."""
    if is_district(user):
        return user.organisation.district or ""
    return ""


def can_view_claim(claim, user) -> bool:
    return is_staff(user) or (is_provider(user) and user.organisation_id == claim.provider_id)


def can_view_payment(payment, user) -> bool:
    district = district_of(user)
    return is_staff(user) or (bool(district) and payment.district == district) or (
        is_provider(user) and user.organisation_id == payment.provider_id)


def can_view_disbursement(disbursement, user) -> bool:
    district = district_of(user)
    return is_staff(user) or (bool(district) and disbursement.district == district)


# FSM `permission=` callables (instance, user).
def claim_owner(claim, user) -> bool:
    return is_provider(user) and user.organisation_id == claim.provider_id


def reviewer(instance, user) -> bool:
    """Returning or rejecting a claim: the service center at pre-review, the bureau at approval."""
    return is_service_center(user) or is_bureau(user)


def payment_district(payment, user) -> bool:
    district = district_of(user)
    return bool(district) and payment.district == district
