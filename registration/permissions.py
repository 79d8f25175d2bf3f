"""Who may see and act on registrations, qualifications and change reports. Shared by the FSM
transitions, the services, the pages, the admin and the API."""
from hangqifu.accounts.roles import STAFF_ROLES, Role
from hangqifu.accounts.second_factor_rule import acts_with_second_factor

HOLDER_ROLES = frozenset({Role.ENTERPRISE, Role.PARK})
REVIEWER_ROLES = frozenset({Role.SERVICE_CENTER})
# Staff who may read every registration (the bureau and finance bureau supervise).
READER_ROLES = frozenset(STAFF_ROLES)


def _active(user) -> bool:
    """Signed in, active, and — for a staff role — verified with the second factor."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and acts_with_second_factor(user))


def is_reviewer(user) -> bool:
    return _active(user) and user.role in REVIEWER_ROLES


def is_holder_of(user, organisation_id) -> bool:
    return (_active(user) and user.role in HOLDER_ROLES and organisation_id is not None
            and user.organisation_id == organisation_id)


def can_view_organisation_record(user, organisation_id) -> bool:
    """Own organisation's records, or any record for supervising staff."""
    return _active(user) and (user.role in READER_ROLES or is_holder_of(user, organisation_id))
