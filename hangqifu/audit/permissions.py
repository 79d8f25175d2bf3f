"""Who may read the audit trail: the government staff roles. Shared by views, admin and the API."""
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from hangqifu.accounts.predicates import is_staff


def is_staff_user(user) -> bool:
    """Government staff roles (service center, bureau, finance bureau): the audit browser and supervision."""
    return is_staff(user)


def staff_only(request) -> None:
    """A page only government staff may open."""
    if not is_staff_user(request.user):
        raise PermissionDenied


class IsStaffRole(BasePermission):
    message = "只有政府工作人员可以查看"

    def has_permission(self, request, view):
        return is_staff_user(request.user)
