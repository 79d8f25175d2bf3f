"""Who may impose and lift sanctions (第二十条): the bureau."""
from hangqifu.accounts.roles import Role

SANCTION_ROLES = frozenset({Role.BUREAU})


def can_sanction(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*SANCTION_ROLES))
