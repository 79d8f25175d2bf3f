"""Role navigation. Each app adds its menu entries in `<app>/navigation.py`:

    nav_link("我的服务券", "vouchers:my-vouchers", Role.ENTERPRISE, Role.PARK, area="服务券")
Entries without roles are public (shown to everyone). The menu is grouped: an enterprise, park, provider,
district or expert sees its own entries under 我的办理 and the public ones under 公开信息; staff, whose work
spans the programme, see their entries by area (注册认定, 服务券, 服务机构, 兑付结算, 监督管理)."""
from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.module_loading import autodiscover_modules

from hangqifu.accounts.roles import STAFF_ROLES

PUBLIC = "公开信息"
MY_WORK = "我的办理"


@dataclass(frozen=True)
class NavLink:
    title: str
    url_name: str
    roles: frozenset[str]
    order: int
    area: str


_LINKS: list[NavLink] = []


def nav_link(title: str, url_name: str, *roles: str, order: int = 50, area: str = MY_WORK) -> None:
    if not any(link.url_name == url_name and link.roles == frozenset(roles) for link in _LINKS):
        _LINKS.append(NavLink(title, url_name, frozenset(roles), order, area))


def links_for(user) -> list[dict]:
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    return [dict(link) for link in _links_of(role, get_script_prefix())]


def _group_of(link: NavLink, role: str | None) -> str:
    if not link.roles:
        return PUBLIC
    return link.area if role in STAFF_ROLES else MY_WORK


def groups_for(user) -> list[dict]:
    """The menu as groups, in first-appearance order, public information last: [{"title", "links"}]."""
    groups: dict[str, list[dict]] = {}
    for link in links_for(user):
        groups.setdefault(link["group"], []).append(link)
    ordered = sorted(groups.items(), key=lambda item: item[0] == PUBLIC)
    return [{"title": title, "links": links} for title, links in ordered]


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
            result.append({"title": link.title, "url": reverse(link.url_name),
                           "group": _group_of(link, role)})
        except NoReverseMatch:
            continue
    return tuple(result)


nav_link("办事指南", "guide-list", order=15)
