"""Role navigation. Each app adds its menu entries in `<app>/navigation.py`:

    nav_link("我的服务券", "vouchers:my-vouchers", Role.ENTERPRISE, Role.PARK)
Entries without roles are public (shown to everyone)."""
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
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
    autodiscover_modules("navigation")
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    result = []
    for link in sorted(_LINKS, key=lambda item: item.order):
        if link.roles and role not in link.roles:
            continue
        try:
            result.append({"title": link.title, "url": reverse(link.url_name)})
        except NoReverseMatch:
            continue
    return result
