from rest_framework.permissions import BasePermission


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
