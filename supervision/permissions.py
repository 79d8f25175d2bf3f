"""Who handles complaints (第十八条): the service center."""
from hangqifu.accounts.predicates import is_service_center


def can_handle_complaints(user) -> bool:
    return is_service_center(user)
