from django.db.models import Count, Min, Q
from django.urls import reverse

from hangqifu.accounts.roles import Role
from hangqifu.core import clock
from hangqifu.core.pending import PendingItem, pending_work

from .models import ChangeReport, RegistrationApplication
from .selectors.registration import WAITING_STATES


@pending_work(Role.SERVICE_CENTER)
def registrations_to_review(user):
    base = reverse("admin:registration_registrationapplication_changelist")
    State = RegistrationApplication.State
    today = clock.today()

    def waiting(state):
        return Q(state=state)

    figures = RegistrationApplication.objects.filter(state__in=[State.SUBMITTED, State.PRE_REVIEWED]).aggregate(
        submitted=Count("pk", filter=waiting(State.SUBMITTED)),
        submitted_since=Min("submitted_at", filter=waiting(State.SUBMITTED)),
        submitted_overdue=Count("pk", filter=waiting(State.SUBMITTED) & Q(review_due_on__lt=today)),
        pre_reviewed=Count("pk", filter=waiting(State.PRE_REVIEWED)),
        pre_reviewed_since=Min("pre_reviewed_at", filter=waiting(State.PRE_REVIEWED)),
        pre_reviewed_overdue=Count("pk", filter=waiting(State.PRE_REVIEWED) & Q(review_due_on__lt=today)))
    overdue = RegistrationApplication.objects.filter(state__in=WAITING_STATES, review_due_on__lt=today).count()
    reports_url = reverse("admin:registration_changereport_changelist")
    reports = ChangeReport.objects.filter(state=ChangeReport.State.SUBMITTED).aggregate(
        count=Count("pk"), since=Min("reported_on"), late=Count("pk", filter=Q(is_late=True)),
        held=Count("pk", filter=Q(suspended_qualification=True)))
    return [
        PendingItem("待形式预审的注册认定申请", f"{base}?state__exact=submitted", figures["submitted"],
                    next_step="核对材料和预审清单，通过或退回补正", since=figures["submitted_since"],
                    overdue=figures["submitted_overdue"]),
        PendingItem("预审通过、待认定的申请", f"{base}?state__exact=pre_reviewed", figures["pre_reviewed"],
                    next_step="确认荣誉称号，认定资格并核定额度", since=figures["pre_reviewed_since"],
                    overdue=figures["pre_reviewed_overdue"]),
        PendingItem("超过审核期限的申请", f"{base}?overdue=yes", overdue,
                    next_step="优先办理，已超过审核期限", overdue=overdue),
        PendingItem("待核查的变更报告", f"{reports_url}?state__exact=submitted", reports["count"],
                    next_step="核查变化情况，必要时暂停资格", since=reports["since"]),
        # 第九条: a late report (rights may be cancelled) and a report that suspended a qualification
        PendingItem("逾期报告的变更：待决定是否取消资格", f"{reports_url}?state__exact=submitted&is_late__exact=1",
                    reports["late"], next_step="核查逾期原因，决定保留或取消用券资格"),
        PendingItem("因变更报告暂停的资格：待核查决定",
                    f"{reports_url}?state__exact=submitted&suspended_qualification__exact=1", reports["held"],
                    next_step="核查变化后恢复或撤销资格（暂停期间服务券冻结）"),
    ]


@pending_work(Role.ENTERPRISE, Role.PARK)
def my_registration(user):
    if not user.organisation_id:
        return []
    State = RegistrationApplication.State
    rows = RegistrationApplication.objects.filter(organisation_id=user.organisation_id,
                                                  state__in=[State.DRAFT, State.RETURNED],
                                                  year__gte=clock.current_year())
    return [PendingItem(f"{r.matter}：{r.get_state_display()}，待完成",
                        reverse("registration:registration-detail", args=[r.pk]), 1,
                        next_step="按退回意见修改后重新提交" if r.state == State.RETURNED else "补全信息和材料后提交") for r in rows]
