"""Role checks for pages and the API, built on the role predicates (predicates.py): shared by every app's
views and API views."""
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .predicates import is_staff


def has_role(*roles: str):
    """A DRF permission class admitting authenticated active users of the given roles (staff roles only
    with the second factor verified, see User.has_role)."""

    class HasRole(BasePermission):
        message = "您的角色不能执行此操作"

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_role(*roles))

    HasRole.__name__ = f"HasRole_{'_'.join(roles)}"
    return HasRole


def staff_only(request) -> None:
    """A page only government staff (service center, bureau, finance bureau) may open: the audit browser,
    sanctions and supervision."""
    if not is_staff(request.user):
        raise PermissionDenied


class IsStaffRole(BasePermission):
    message = "只有政府工作人员可以查看"

    def has_permission(self, request, view):
        return is_staff(request.user)
