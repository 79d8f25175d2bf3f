"""Each role's menu, from the entries the apps register (hangqifu.core.navigation). An enterprise, park,
provider, district or expert sees its own entries under 我的办理 and the public ones under 公开信息; staff, whose
work spans the programme, see their entries by area (注册认定, 服务券, 服务机构, 兑付结算, 监督管理)."""
from functools import cache

from django.urls import NoReverseMatch, get_script_prefix, reverse

from hangqifu.accounts.roles import STAFF_ROLES
from hangqifu.core.navigation import MY_WORK, NavLink, registered_links

PUBLIC = "公开信息"


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
    result = []
    for link in registered_links():
        if link.roles and role not in link.roles:
            continue
        try:
            result.append({"title": link.title, "url": reverse(link.url_name),
                           "group": _group_of(link, role)})
        except NoReverseMatch:
            continue
    return tuple(result)
