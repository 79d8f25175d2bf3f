"""Who may see and do what in supervision: shared by views, admin and the API."""
from rest_framework.permissions import BasePermission

from hangqifu.accounts.roles import STAFF_ROLES, Role

COMPLAINT_HANDLER_ROLES = frozenset({Role.SERVICE_CENTER})
SANCTION_ROLES = frozenset({Role.BUREAU})


def is_staff_user(user) -> bool:
    """Government staff roles (service center, bureau, finance bureau): the audit browser and supervision."""
    return bool(user and user.is_authenticated and user.has_role(*STAFF_ROLES))


def can_handle_complaints(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*COMPLAINT_HANDLER_ROLES))


def can_sanction(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*SANCTION_ROLES))


class IsStaffRole(BasePermission):
    message = "只有政府工作人员可以查看"

    def has_permission(self, request, view):
        return is_staff_user(request.user)
