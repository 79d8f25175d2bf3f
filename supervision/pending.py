from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core.pending import PendingItem, pending_work

from . import selectors
from .models import Recovery, SpotCheck


@pending_work(Role.SERVICE_CENTER)
def complaints_to_handle(user):
    base = reverse("audit:complaint-list")
    counts = selectors.complaint_counts(user=user)
    return [
        PendingItem("待受理调查的投诉", f"{base}?state=received", counts["received"],
                    next_step="受理并开始调查，由您承办"),
        PendingItem("我承办的调查中投诉", f"{base}?state=investigating&mine=1", counts["mine"],
                    next_step="调查后作出处理结论并答复投诉人"),
        PendingItem("逾期未办结的投诉", f"{base}?overdue=1", counts["overdue"],
                    next_step="已超过办结期限，优先办理", overdue=counts["overdue"]),
    ]


@pending_work(Role.BUREAU, Role.FINANCE_BUREAU)
def recoveries_outstanding(user):
    count = Recovery.objects.exclude(state=Recovery.State.REPAID).count()
    return [PendingItem("尚未全部追回的违规资金", reverse("audit:recovery-list"), count,
                        next_step="跟进追回进度，登记到账")]


@pending_work(Role.SERVICE_CENTER, Role.BUREAU)
def spot_checks_in_progress(user):
    count = SpotCheck.objects.exclude(state=SpotCheck.State.CLOSED).count()
    return [PendingItem("未结案的抽查", reverse("audit:spot-check-list"), count, next_step="核查抽中的订单并结案")]
