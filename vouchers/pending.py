from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.pending import PendingItem, pending_work


# --- registration and qualification (issue 4) ---------------------------------------------------------

@pending_work(Role.SERVICE_CENTER)
def registrations_to_review(user):
    from .models import ChangeReport, RegistrationApplication
    from .selectors.registration import overdue_registrations

    base = reverse("admin:vouchers_registrationapplication_changelist")
    State = RegistrationApplication.State
    counts = {state: RegistrationApplication.objects.filter(state=state).count()
              for state in (State.SUBMITTED, State.PRE_REVIEWED)}
    return [
        PendingItem("待形式预审的注册认定申请", f"{base}?state__exact=submitted", counts[State.SUBMITTED]),
        PendingItem("预审通过、待认定的申请", f"{base}?state__exact=pre_reviewed", counts[State.PRE_REVIEWED]),
        PendingItem("超过审核期限的申请", f"{base}?overdue=yes", overdue_registrations().count()),
        PendingItem("待核查的变更报告", reverse("admin:vouchers_changereport_changelist") + "?state__exact=submitted",
                    ChangeReport.objects.filter(state=ChangeReport.State.SUBMITTED).count()),
    ]


@pending_work(Role.ENTERPRISE, Role.PARK)
def my_registration(user):
    from .models import RegistrationApplication

    if not user.organisation_id:
        return []
    State = RegistrationApplication.State
    rows = RegistrationApplication.objects.filter(organisation_id=user.organisation_id,
                                                  state__in=[State.DRAFT, State.RETURNED],
                                                  year__gte=clock.current_year())
    return [PendingItem(f"{r.year} 年度{r.get_purpose_display()}：{r.get_state_display()}，待完成",
                        reverse("vouchers:registration-detail", args=[r.pk]), 1) for r in rows]
