from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.pending import PendingItem, pending_work

from . import services as sanctions


@pending_work(Role.ENTERPRISE, Role.PARK, Role.PROVIDER)
def ban_in_force(user):
    sanction = sanctions.active_sanction(user.organisation)
    if sanction is None:
        return []
    return [PendingItem(f"本组织已被禁止使用服务券及相关政策资金至 {sanction.ends_on:%Y-%m-%d}（查看处理决定）",
                        reverse("audit:my-sanctions"), 1)]
