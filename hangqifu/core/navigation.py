"""Role navigation. Each app adds its menu entries in `<app>/navigation.py`:

    nav_link("我的服务券", "vouchers:my-vouchers", Role.ENTERPRISE, Role.PARK)
Entries without roles are public (shown to everyone)."""
from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class NavLink:
    title: str
    url_name: str
    roles: frozenset[str]
    order: int


_LINKS: list[NavLink] = []


def nav_link(title: str, url_name: str, *roles: str, order: int = 50) -> None:
    if not any(link.url_name == url_name and link.roles == frozenset(roles) for link in _LINKS):
        _LINKS.append(NavLink(title, url_name, frozenset(roles), order))


def links_for(user) -> list[dict]:
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    return [dict(link) for link in _links_of(role, get_script_prefix())]


@cache
def _links_of(role: str | None, script_prefix: str) -> tuple[dict, ...]:
    """The menu of a role, built once per process (it rendered on every page: module discovery and a reverse
    per entry each time). The script prefix is part of the key because reverse() depends on it."""
    autodiscover_modules("navigation")
    result = []
    for link in sorted(_LINKS, key=lambda item: item.order):
        if link.roles and role not in link.roles:
            continue
        try:
            result.append({"title": link.title, "url": reverse(link.url_name)})
        except NoReverseMatch:
            continue
    return tuple(result)
