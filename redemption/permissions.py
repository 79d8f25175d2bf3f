"""Who may see and act on redemption claims, settlement batches, disbursement orders and district payments.
Shared by the FSM transitions (`permission=`), services, selectors, pages, admin and the API."""
from hangqifu.accounts.roles import STAFF_ROLES, Role
from hangqifu.accounts.second_factor_rule import acts_with_second_factor


def _active(user) -> bool:
    """Signed in, active, and — for a staff role — verified with the second factor."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and acts_with_second_factor(user))


def is_provider(user) -> bool:
    return _active(user) and user.role == Role.PROVIDER and user.organisation_id is not None


def is_service_center(user) -> bool:
    return _active(user) and user.role == Role.SERVICE_CENTER


def is_bureau(user) -> bool:
    return _active(user) and user.role == Role.BUREAU


def is_finance_bureau(user) -> bool:
    return _active(user) and user.role == Role.FINANCE_BUREAU


def is_staff(user) -> bool:
    return _active(user) and user.role in STAFF_ROLES


def district_of(user) -> str:
    """The district a district finance officer pays for ('' for everyone else)."""
    if _active(user) and user.role == Role.DISTRICT and user.organisation_id:
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


def service_center(instance, user) -> bool:
    return is_service_center(user)


def bureau(instance, user) -> bool:
    return is_bureau(user)


def reviewer(instance, user) -> bool:
    """Returning or rejecting a claim: the service center at pre-review, the bureau at approval."""
    return is_service_center(user) or is_bureau(user)


def finance_bureau(instance, user) -> bool:
    return is_finance_bureau(user)


def payment_district(payment, user) -> bool:
    district = district_of(user)
    return bool(district) and payment.district == district


def nobody(instance, user) -> bool:
    """System transitions (collection, notice outcome, payment) are fired by services, never offered to a user."""
    return False
