"""Who handles complaints (第十八条): the service center."""
from hangqifu.accounts.roles import Role

COMPLAINT_HANDLER_ROLES = frozenset({Role.SERVICE_CENTER})


def can_handle_complaints(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*COMPLAINT_HANDLER_ROLES))
