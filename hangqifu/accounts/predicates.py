"""Who acts: the role predicates every app composes into its own rules (who may see a record, who may fire a
transition). Defined once here; the domains' `permissions` modules add only what needs their models
(the buyer of this order, the provider of this claim, the district of this payment).

Two shapes:
- `is_<role>(user)` — a question about the user alone, for services, selectors, pages, admin and the API;
- `<role>(instance, user)` — the same question in the shape django-fsm's `permission=` calls.

A user acts in a role when signed in, active, of that role and, for a role that needs it, verified with the
second factor (`second_factor_rule.acts_with_second_factor`). Anonymous users and `None` never act."""
from .roles import BUYER_ROLES, STAFF_ROLES, Role
from .second_factor_rule import acts_with_second_factor


def acts(user) -> bool:
    """Signed in, active, and — for a staff role — verified with the second factor."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and acts_with_second_factor(user))


def has_role(user, *roles: str) -> bool:
    """Acts now in one of `roles` (the same answer as `User.has_role`, also for None and anonymous users)."""
    return acts(user) and user.role in roles


def is_service_center(user) -> bool:
    return has_role(user, Role.SERVICE_CENTER)


def is_bureau(user) -> bool:
    return has_role(user, Role.BUREAU)


def is_finance_bureau(user) -> bool:
    return has_role(user, Role.FINANCE_BUREAU)


def is_district(user) -> bool:
    """A district finance officer (区县（市）财政) attached to the district's organisation."""
    return has_role(user, Role.DISTRICT) and user.organisation_id is not None


def is_staff(user) -> bool:
    """Government staff (service center, bureau, finance bureau): they supervise and read every record."""
    return has_role(user, *STAFF_ROLES)


def is_buyer(user) -> bool:
    """An enterprise or park account attached to its organisation."""
    return has_role(user, *BUYER_ROLES) and user.organisation_id is not None


def is_provider(user) -> bool:
    """A service provider account attached to its organisation."""
    return has_role(user, Role.PROVIDER) and user.organisation_id is not None


def is_provider_of(user, organisation_id) -> bool:
    return is_provider(user) and organisation_id is not None and user.organisation_id == organisation_id


def is_buyer_of(user, organisation_id) -> bool:
    return is_buyer(user) and organisation_id is not None and user.organisation_id == organisation_id


# FSM `permission=` callables (instance, user).
def service_center(instance, user) -> bool:
    return is_service_center(user)


def bureau(instance, user) -> bool:
    return is_bureau(user)


def finance_bureau(instance, user) -> bool:
    return is_finance_bureau(user)


def staff_reviewer(instance, user) -> bool:
    """Returning or rejecting at review: the service center or the bureau."""
    return has_role(user, Role.SERVICE_CENTER, Role.BUREAU)


def nobody(instance, user) -> bool:
    """System transitions (expiry, notice outcomes, collection, nightly jobs) are fired by services with
    `system=True`, never offered to a user."""
    return False
