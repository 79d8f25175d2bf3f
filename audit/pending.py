from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.pending import PendingItem, pending_work

from . import sanctions, selectors


@pending_work(Role.ENTERPRISE, Role.PARK, Role.PROVIDER)
def ban_in_force(user):
    sanction = sanctions.active_sanction(user.organisation)
    if sanction is None:
        return []
    return [PendingItem(f"本组织已被禁止使用服务券及相关政策资金至 {sanction.ends_on:%Y-%m-%d}（查看处理决定）",
                        reverse("audit:my-sanctions"), 1)]


@pending_work(Role.SERVICE_CENTER)
def complaints_to_handle(user):
    base = reverse("audit:complaint-list")
    counts = selectors.complaint_counts(user=user)
    return [
        PendingItem("待受理调查的投诉", f"{base}?state=received", counts["received"]),
        PendingItem("我承办的调查中投诉", f"{base}?state=investigating&mine=1", counts["mine"]),
        PendingItem("逾期未办结的投诉", f"{base}?overdue=1", counts["overdue"]),
    ]
