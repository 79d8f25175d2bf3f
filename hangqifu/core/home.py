"""The figures on each role's home page (工作台). Each app adds its cards in `<app>/home.py`:

    @home_cards(Role.ENTERPRISE, Role.PARK)
    def quota(user):
        return [HomeCard("2026 年度额度", figures=[("还可领取", "¥3,000.00")], action=("去领券", url))]

A card is what a role lives by (quota, vouchers in hand, the open batch, this year's redeemed amount); the work
waiting on the user or on the other party is the pending list (pending.py). Card functions read with a fixed
number of queries (the home page's query count is asserted)."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.module_loading import autodiscover_modules


@dataclass
class HomeCard:
    title: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    action: tuple[str, str] | None = None  # (label, url): the next step, in plain Chinese
    countdown_to: datetime | None = None
    countdown_label: str = ""
    countdown_done: str = ""
    testid: str = ""
    tone: str = ""  # "", "warn" or "bad": a card that needs attention


_CARDS: list[tuple[frozenset[str], int, Callable]] = []


def home_cards(*roles: str, order: int = 50):
    def register(fn):
        _CARDS.append((frozenset(roles), order, fn))
        return fn
    return register


def cards_for(user) -> list[HomeCard]:
    autodiscover_modules("home")
    cards: list[HomeCard] = []
    for roles, _, provider in sorted(_CARDS, key=lambda entry: entry[1]):
        if user.role in roles:
            cards.extend(provider(user))
    return cards
