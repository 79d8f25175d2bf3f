"""Pending work on each role's home page. Each app lists its own in `<app>/pending.py`:

    @pending_work(Role.SERVICE_CENTER)
    def registrations_to_review(user):
        return [PendingItem("待预审的注册申请", reverse(...), count, next_step="逐件形式预审", since=oldest)]

An item waits on the user (`waiting_on="me"`, the default) or on the other party ("other": shown so the user
knows where things stand, with who acts next). `since` is when the oldest of them started waiting (its age is
shown), `overdue` how many are past their deadline (listed first)."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PendingItem:
    title: str
    url: str
    count: int
    next_step: str = ""
    since: datetime | date | None = None
    overdue: int = 0
    waiting_on: str = "me"

    def age_days(self, today: date) -> int | None:
        if self.since is None:
            return None
        since = timezone.localdate(self.since) if isinstance(self.since, datetime) else self.since
        return max(0, (today - since).days)


def work_queue(items: list[PendingItem], today: date) -> list[PendingItem]:
    """Overdue first, then the longest waiting, then the rest in the order the apps listed them."""
    return sorted(items, key=lambda item: (-bool(item.overdue), -(item.age_days(today) or 0)))


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
