"""Who may see and act on registrations, qualifications and change reports. Shared by the FSM
transitions, the services, the pages, the admin and the API."""
from hangqifu.accounts.predicates import is_buyer_of, is_service_center, is_staff


def is_reviewer(user) -> bool:
    """The service center reviews registrations, qualifications and change reports."""
    return is_service_center(user)


def is_holder_of(user, organisation_id) -> bool:
    """An enterprise or park account of the organisation that holds (or applies for) the qualification."""
    return is_buyer_of(user, organisation_id)


def can_view_organisation_record(user, organisation_id) -> bool:
    """Own organisation's records, or any record for supervising staff (the bureau and finance bureau too)."""
    return is_staff(user) or is_holder_of(user, organisation_id)


# FSM `permission=` callables (instance, user).
def reviewer(instance, user) -> bool:
    return is_reviewer(user)


def holder(instance, user) -> bool:
    """The organisation's own enterprise or park account (submitting its registration)."""
    return is_holder_of(user, instance.organisation_id)
