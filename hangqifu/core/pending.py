"""Pending work on each role's home page. Each app lists its own in `<app>/pending.py`:

    @pending_work(Role.SERVICE_CENTER)
    def registrations_to_review(user):
        return [PendingItem("待预审的注册申请", reverse(...), count)]
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PendingItem:
    title: str
    url: str
    count: int


_PROVIDERS: list[tuple[frozenset[str], Callable]] = []


def pending_work(*roles: str):
    def register(fn):
        _PROVIDERS.append((frozenset(roles), fn))
        return fn
    return register


def pending_for(user) -> list[PendingItem]:
    autodiscover_modules("pending")
    items: list[PendingItem] = []
    for roles, provider in _PROVIDERS:
        if user.role in roles:
            items.extend(item for item in provider(user) if item.count)
    return items
