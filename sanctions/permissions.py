"""Who may impose and lift sanctions (第二十条): the bureau."""
from hangqifu.accounts.predicates import is_bureau


def can_sanction(user) -> bool:
    return is_bureau(user)
