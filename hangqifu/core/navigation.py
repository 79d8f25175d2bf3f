"""The menu's entries. Each app adds its own in `<app>/navigation.py`:

    nav_link("我的服务券", "vouchers:my-vouchers", Role.ENTERPRISE, Role.PARK, area="服务券")
Entries without roles are public (shown to everyone). `area` groups a staff member's entries (注册认定, 服务券,
服务机构, 兑付结算, 监督管理); the portal builds each role's menu from them (hangqifu/portal/menu.py)."""
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

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


def registered_links() -> list[NavLink]:
    """Every app's entries, in menu order."""
    autodiscover_modules("navigation")
    return sorted(_LINKS, key=lambda link: link.order)
