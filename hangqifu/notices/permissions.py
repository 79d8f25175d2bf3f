"""Who acts on public notices (公示): staff publish them; the service center or the bureau decide objections;
closing a notice and settling its items is the system's (the closing job, an objection's decision)."""
from hangqifu.accounts.predicates import has_role, is_staff
from hangqifu.accounts.roles import Role

RESOLVER_ROLES = (Role.SERVICE_CENTER, Role.BUREAU)


def can_publish_notices(user) -> bool:
    return is_staff(user)


def can_resolve_objections(user) -> bool:
    return has_role(user, *RESOLVER_ROLES)


# FSM `permission=` callables (instance, user).
def notice_publisher(notice, user) -> bool:
    return can_publish_notices(user)


def objection_resolver(objection, user) -> bool:
    return can_resolve_objections(user)
