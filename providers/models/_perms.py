"""Who may fire a transition, shared by models (FSM `permission=`), services, views, admin and the API."""
from hangqifu.accounts.roles import Role


def is_owner(organisation_id, user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.PROVIDER
                and user.organisation_id and user.organisation_id == organisation_id)


def is_role(user, *roles) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*roles))


def service_center(instance, user) -> bool:
    return is_role(user, Role.SERVICE_CENTER)


def bureau(instance, user) -> bool:
    return is_role(user, Role.BUREAU)


def staff_reviewer(instance, user) -> bool:
    return is_role(user, Role.SERVICE_CENTER, Role.BUREAU)


def nobody(instance, user) -> bool:
    """System transitions (notice outcome, nightly jobs) are fired by services, never offered to a user."""
    return False
