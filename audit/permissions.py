"""Who may see and do what in supervision: shared by views, admin and the API."""
from rest_framework.permissions import BasePermission

from hangqifu.accounts.predicates import is_bureau, is_service_center, is_staff


def is_staff_user(user) -> bool:
    """Government staff roles (service center, bureau, finance bureau): the audit browser and supervision."""
    return is_staff(user)


def can_handle_complaints(user) -> bool:
    """第十八条: the service center investigates complaints."""
    return is_service_center(user)


def can_sanction(user) -> bool:
    """第二十条: the bureau decides sanctions."""
    return is_bureau(user)


class IsStaffRole(BasePermission):
    message = "只有政府工作人员可以查看"

    def has_permission(self, request, view):
        return is_staff_user(request.user)
